# bench/h100_env.sh - sourced by the bench/h100_*.sh scripts on the GPU machine (from the
# repository root): the Release build ($B), the output folder ($OUT), the GL / Lua libraries
# unpacked from the carried .gl/*.deb files, NVIDIA's EGL vendor file, the vocabulary ($V)
# for rwkv-gen, and $SRC -> this checkout (the source path compiled into the test binaries).
B=${B:-build-h100}
OUT=${OUT:-bench/out}
SRC=${SRC:-/work/wt}
V=tests/data/tokenizer/rwkv_vocab_v20230424.txt
mkdir -p "$OUT"
for f in .gl/*.deb; do dpkg -x "$f" / >/dev/null; done
ldconfig
export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
mkdir -p "$(dirname "$SRC")" && ln -sfn "$PWD" "$SRC"

# gpu_tests T...: run $B/T for each test T (output in $OUT/T.txt), one summary line each.
gpu_tests() {
  local t s e rc
  for t in "$@"; do
    s=$(date +%s%N); timeout 400 "$B/$t" > "$OUT/$t.txt" 2>&1; rc=$?; e=$(date +%s%N)
    echo "$t rc=$rc $(tail -1 "$OUT/$t.txt") ($(( (e - s) / 1000000 )) ms)"
  done
}
# gen_models M...: random-weight models /tmp/m-M.gguf, M = preset-type (0.1b-f16, 2.9b-q4_k_m).
gen_models() {
  local m
  for m in "$@"; do "$B/rwkv-gen" "/tmp/m-$m.gguf" --preset "${m%%-*}" --type "${m#*-}" --vocab "$V" --quiet; done
}
# fingerprints MODEL...: "MODEL greedy 64 tok FNV-1a | HASH" of rwkv-bench's short run on each
# /tmp/m-MODEL.gguf (the greedy output's quality hash).
fingerprints() {
  local m
  for m in "$@"; do
    echo "$m $("$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*")"
  done
}
# decode_ms BUILD MODEL [VAR=value ...]: time per decoded token, "N ms, M tok/s" (BENCH_OUTPUT=none
# bench-profile MODEL 1 300 with those environment settings).
decode_ms() {
  local bld=$1 f=$2
  shift 2
  env "$@" BENCH_OUTPUT=none "$bld/bench-profile" "$f" 1 300 2>&1 | tail -1 | sed 's/.*tokens: //;s/ per pass//'
}
# decode_ab ROUNDS MODEL A B: decode per token of builds A and B on /tmp/m-MODEL.gguf, a warm-up
# of each, then ROUNDS interleaved pairs, one "-- MODEL BUILD: N ms, M tok/s" line each.
decode_ab() {
  local rounds=$1 m=$2 a=$3 b=$4 r bld
  decode_ms "$a" /tmp/m-$m.gguf > /dev/null
  decode_ms "$b" /tmp/m-$m.gguf > /dev/null
  for ((r = 0; r < rounds; r++)); do
    for bld in $a $b; do echo "-- $m $bld: $(decode_ms "$bld" /tmp/m-$m.gguf)"; done
  done
}
# mm_decode_shapes BUILD: bench-mm of BUILD at T = 1 with the weights from memory
# (BENCH_MM_COPIES) for the 2.9B's decode shapes (Wo 2560 x 2560, r/k/v 2560 x 7680, FFN key
# 2560 x 10240, FFN value 10240 x 2560); BENCH_MM_TYPES / BENCH_MM_CFGS as exported.
mm_decode_shapes() {
  BENCH_MM_COPIES=40 "$1/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=12 "$1/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=10 "$1/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=10 "$1/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
}
# bench_loads ROUNDS "MODEL..." BUILD...: rwkv-bench's loads to the first token of each BUILD
# (a folder of binaries) on /tmp/m-MODEL.gguf, ROUNDS interleaved rounds, each a "-- MODEL BUILD
# round R" line, the progress line of every load (state, first token, second) and the table row.
bench_loads() {
  local rounds=$1 models=$2 m r b
  shift 2
  for m in $models; do
    for ((r = 1; r <= rounds; r++)); do
      for b in "$@"; do
        echo "-- $m $b round $r"
        "$b/rwkv-bench" /tmp/m-$m.gguf --prefill 16 --decode 0 --doc 16 2>&1 | grep "load:\|load (warm) to"
      done
    done
  done
}
# checks_with "VARS" MODEL...: test_forward and test_generate (output in $OUT/T.txt), then the
# greedy fingerprints of /tmp/m-MODEL.gguf, under those environment settings ("" = defaults).
checks_with() {
  local v=$1 t
  shift
  for t in test_forward test_generate; do
    # shellcheck disable=SC2086 # v holds several assignments
    env $v "$B/$t" > "$OUT/$t.txt" 2>&1; echo "$t rc=$? $(tail -1 "$OUT/$t.txt")"
  done
  # shellcheck disable=SC2086
  (for a in $v; do export "${a?}"; done; fingerprints "$@")
}
# decode_sweep_vs BASE ROUNDS "MODEL..." VARIANT...: decode_sweep with a build BASE's line (its
# defaults) first in every round.
decode_sweep_vs() {
  local base=$1 rounds=$2 models=$3 m r v
  shift 3
  for m in $models; do
    decode_ms "$base" /tmp/m-$m.gguf > /dev/null
    for ((r = 0; r < rounds; r++)); do
      echo "-- $m $base: $(decode_ms "$base" /tmp/m-$m.gguf)"
      for v in "$@"; do
        # shellcheck disable=SC2086 # v holds several assignments
        echo "-- $m ${v:-default}: $(decode_ms $B /tmp/m-$m.gguf $v)"
      done
    done
  done
}
# decode_sweep ROUNDS "MODEL..." VARIANT...: per model a warm-up, then ROUNDS interleaved rounds
# of every VARIANT ("" = the defaults, else environment settings such as "RWKV_MM_PRE=1
# RWKV_MM_UNR=2"), one "-- MODEL VARIANT: N ms, M tok/s" line each (decode_ms).
decode_sweep() {
  local rounds=$1 models=$2 m r v
  shift 2
  for m in $models; do
    decode_ms $B /tmp/m-$m.gguf > /dev/null
    for ((r = 0; r < rounds; r++)); do
      for v in "$@"; do
        # shellcheck disable=SC2086 # v holds several assignments
        echo "-- $m ${v:-default}: $(decode_ms $B /tmp/m-$m.gguf $v)"
      done
    done
  done
}
# fields_sweep ROUNDS "MODEL..." VARIANT...: per model a warm-up, then ROUNDS interleaved rounds of
# fields_ms per VARIANT ("" = the defaults, else environment settings), one "-- MODEL VARIANT: N
# ms" line each.
fields_sweep() {
  local rounds=$1 models=$2 m r v
  shift 2
  for m in $models; do
    fields_ms $m "" > /dev/null
    for ((r = 0; r < rounds; r++)); do
      for v in "$@"; do
        # shellcheck disable=SC2086 # v holds several assignments
        echo "-- $m ${v:-default}: $(fields_ms $m "" $v) ms"
      done
    done
  done
}
# tokens_sweep ROUNDS MODEL "T..." VARIANT...: ROUNDS interleaved rounds per T of bench-profile's
# line for four passes of one sequence of T tokens per VARIANT.
tokens_sweep() {
  local rounds=$1 m=$2 ts=$3 t r v
  shift 3
  for t in $ts; do
    for ((r = 0; r < rounds; r++)); do
      for v in "$@"; do
        # shellcheck disable=SC2086 # v holds several assignments
        echo "-- $m T=$t ${v:-default}: $(env $v "$B/bench-profile" /tmp/m-$m.gguf $t 4 2>&1 | tail -1 | sed 's/.*: //')"
      done
    done
  done
}
# load_sweep ROUNDS MODEL LOADS VARIANT...: ROUNDS interleaved rounds of `rwkv-loadtime
# /tmp/m-MODEL.gguf LOADS` per VARIANT ("base": the baseline build ${BASE:-build-h100b}; "": the
# defaults; else environment settings), printing the warm loads (all but the first) with their
# programs' and uploads' breakdown (bench/load_summary.py sums them).
load_sweep() {
  local rounds=$1 model=$2 n=$3 r v bld
  shift 3
  for ((r = 0; r < rounds; r++)); do
    for v in "$@"; do
      bld=$B
      [ "$v" = base ] && bld=${BASE:-build-h100b}
      echo "-- $model ${v:-default}"
      # shellcheck disable=SC2086 # v holds several assignments
      env ${v#base} "$bld/rwkv-loadtime" "/tmp/m-$model.gguf" "$n" 2>&1 | grep -A2 '^load [1-9]' | grep -v '^--$'
    done
  done
}
# warm_loads MODEL...: one untimed `rwkv-loadtime /tmp/m-MODEL.gguf 1` each (page cache and
# shader cache warm before timed loads).
warm_loads() {
  local m
  for m in "$@"; do "$B/rwkv-loadtime" "/tmp/m-$m.gguf" 1 > /dev/null 2>&1; done
}
# first_load MODEL VARIANT [N]: `rwkv-loadtime /tmp/m-MODEL.gguf N` (default 1) in a fresh process
# with VARIANT's settings ("" = the defaults), under "-- MODEL first load VARIANT": each load's
# line and its uploads' and context's breakdown (bench/load_summary.py sums them).
first_load() {
  echo "-- $1 first load ${2:-default}"
  # shellcheck disable=SC2086 # the variant holds several assignments
  env $2 "$B/rwkv-loadtime" "/tmp/m-$1.gguf" "${3:-1}" 2>&1 | grep -E "^load|uploads:|context:|ring populate:"
}
# first_loads ROUNDS "MODEL..." VARIANT...: first_load per model, ROUNDS interleaved rounds of
# every VARIANT (what a script that loads once pays).
first_loads() {
  local rounds=$1 models=$2 m r v
  shift 2
  for m in $models; do
    for ((r = 0; r < rounds; r++)); do
      for v in "$@"; do first_load "$m" "$v"; done
    done
  done
}
# repeat_loads ROUNDS MODEL N VARIANT...: ROUNDS interleaved rounds of `rwkv-loadtime
# /tmp/m-MODEL.gguf N` per VARIANT, under "-- MODEL xN VARIANT": loads repeated in one process
# (with LOADTIME_FIRST=2 in the variant, each load's state and first token too).
repeat_loads() {
  local rounds=$1 m=$2 n=$3 r v
  shift 3
  for ((r = 0; r < rounds; r++)); do
    for v in "$@"; do
      echo "-- $m x$n ${v:-default}"
      # shellcheck disable=SC2086 # v holds several assignments
      env $v "$B/rwkv-loadtime" "/tmp/m-$m.gguf" "$n" 2>&1 | grep -E "^load|uploads:|to the first (token|embedding)"
    done
  done
}
# bench_sweep ROUNDS "MODEL..." "RWKV-BENCH OPTIONS" PATTERN VARIANT...: per model ROUNDS
# interleaved rounds of `rwkv-bench /tmp/m-MODEL.gguf --quiet OPTIONS` per VARIANT (environment
# settings for $B, or @BUILD: that build with the defaults), one "-- MODEL VARIANT: test:
# value; ..." line each with the rows whose test name matches the extended regex PATTERN
# (values cut to 70 characters).
bench_sweep() {
  local rounds=$1 models=$2 opts=$3 pat=$4 m r v bld set
  shift 4
  for m in $models; do
    for ((r = 0; r < rounds; r++)); do
      for v in "$@"; do
        bld=$B set=$v
        [ "${v#@}" != "$v" ] && bld=${v#@} set=
        # shellcheck disable=SC2086 # set and opts hold several words
        echo "-- $m $v: $(env $set "$bld/rwkv-bench" /tmp/m-$m.gguf --quiet $opts 2>&1 | grep -E "$pat" |
          sed 's/.*| \(.*\) | \(.*\) |$/\1: \2/' | cut -c1-70 | tr '\n' ';')"
      done
    done
  done
}
# nv_asm CACHE_DIR: every program binary of a shader cache folder (RWKV_SHADER_CACHE) as the
# NVIDIA intermediate assembly text it holds (from !!NVcp5.0 to the next NUL), one file per
# program, packed into $OUT/asm.tgz (HACKING.md, "Reading what NVIDIA's compiler made").
nv_asm() {
  local f
  mkdir -p /tmp/asm
  for f in "$1"/*.bin; do
    python3 - "$f" /tmp/asm/"$(basename "$f" .bin)".txt <<'PY' 2>/dev/null || strings "$f" > /tmp/asm/"$(basename "$f" .bin)".txt
import sys
b = open(sys.argv[1], 'rb').read()
i = b.find(b'!!NVcp5.0'); j = b.find(b'\0', i)
open(sys.argv[2], 'wb').write(b[i:j] if i >= 0 else b'')
PY
  done
  tar czf "$OUT/asm.tgz" -C /tmp asm
}

# wkv_us MODEL VARIANT...: the wkv step's GPU time (us a layer, RWKV_PROFILE timestamps) in
# 512-token prefills of /tmp/m-MODEL.gguf with those settings.
wkv_us() {
  local m=$1
  shift
  env "$@" RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 512 2 2>&1 | awk '/^  wkv/ {print $4}'
}
# wkv_pp MODEL VARIANT...: "wkv N us, " (wkv_us) then bench-profile's ms per 512-token pass
# unprofiled.
wkv_pp() {
  echo -n "wkv $(wkv_us "$@") us, "
  pass_ms "$@"
}
# steps_us MODEL VARIANT...: the GPU time (us a call, RWKV_PROFILE timestamps) of r/k/v, the
# LoRA first stages, wkv, FFN key and FFN value in 512-token prefills, on one line.
steps_us() {
  local m=$1
  shift
  env "$@" RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 512 2 2>&1 |
    awk '/^  (r,k,v|lora first|wkv|ffn key|ffn value) / {printf "%s %s; ", $1 ($2 ~ /^[a-z]/ ? " " $2 : ""), $(NF-1)}'
}
# pass_ms MODEL VARIANT...: bench-profile's line for four unprofiled 512-token passes.
pass_ms() {
  local m=$1
  shift
  env "$@" "$B/bench-profile" /tmp/m-$m.gguf 512 4 2>&1 | tail -1
}
# fields_ms MODEL [K:M:S [VAR=value ...]]: bench-profile's ms a pass of rwkv-bench's 10 fields
# (their lengths in the world tokenizer as one batch, 40 passes) with RWKV_MM_SPLIT_KM set to
# the second argument and the other settings after it.
fields_ms() {
  local m=$1 km=${2:-}
  shift 2 2> /dev/null || shift $#
  env "$@" BENCH_LENS=13,10,14,8,12,16,12,13,13,13 RWKV_MM_SPLIT_KM=$km "$B/bench-profile" /tmp/m-$m.gguf 0 40 embed 2>&1 |
    tail -1 | awk '{print $(NF-3)}'
}
# pass_figs MODEL [VAR=value ...]: "pp512 ...; fields N ms; 1024 ..." - a 512-token pass
# (bench-profile, 4 passes), the 10 fields (fields_ms) and a 1024-token pass (3 passes, the
# document state's prefill) with those settings.
pass_figs() {
  local m=$1
  shift
  echo "pp512 $(env "$@" "$B/bench-profile" /tmp/m-$m.gguf 512 4 2>&1 | tail -1 | sed 's/.*: //');" \
    "fields $(fields_ms "$m" "" "$@") ms;" \
    "1024 $(env "$@" "$B/bench-profile" /tmp/m-$m.gguf 1024 3 2>&1 | tail -1 | sed 's/.*: //')"
}
# bench_figures MODEL VARIANT...: rwkv-bench on /tmp/m-MODEL.gguf with those settings (3 repeats,
# no decode): its pp512, document state, 10 fields and fingerprint rows on one line.
bench_figures() {
  local m=$1
  shift
  env "$@" "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --decode 0 2>&1 |
    grep -E "pp512 \(prefill|doc state|10 fields|FNV" | awk -F'|' '{printf "%s: %s; ", $7, $8}' | sed 's/  */ /g'
}
# figures_ab ROUNDS "MODEL..." VARIANT...: per model ROUNDS interleaved rounds of bench_figures
# per VARIANT (environment settings, "" = the defaults, or @BUILD: that build with its
# defaults), one "-- MODEL VARIANT: ..." line each.
figures_ab() {
  local rounds=$1 models=$2 m r v
  shift 2
  for m in $models; do
    for ((r = 0; r < rounds; r++)); do
      for v in "$@"; do
        if [ "${v#@}" != "$v" ]; then
          echo "-- $m $v: $(B=${v#@} bench_figures "$m")"
        else
          # shellcheck disable=SC2086 # v holds several settings or none
          echo "-- $m ${v:-default}: $(bench_figures "$m" $v)"
        fi
      done
    done
  done
}
# mm_prefill_shapes: bench-mm of $B at T = 512 and 124 on the 2.9B's big prefill shapes (FFN key
# 2560 x 10240 in f16 / q4_K / q6_K, FFN value 10240 x 2560 and r/k/v 2560 x 7680 in f16 /
# q4_K) with the BENCH_MM_CFGS exported.
mm_prefill_shapes() {
  BENCH_MM_TYPES=f16,q4_K,q6_K "$B/bench-mm" 2560 10240 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 10240 2560 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 2560 7680 512 124 2>&1 | grep -v "^NVIDIA"
}
