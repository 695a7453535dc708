#!/bin/sh
# bench/run_gpu.sh - the rwkv-bench sequence for a GPU machine (run from the repository root).
#
#   sh bench/run_gpu.sh [TITLE] [CHANGE]
#
# Builds into build-bench-gpu, makes random-weight models of the real shapes with rwkv-gen (world
# vocabulary, so tokenizer figures are real) in $MODELS (default /tmp/rwkv-bench-models), runs
# rwkv-bench on each with the default sizes (prefill 512, decode 128, doc 1024, 3 repeats, cold
# load tried) and appends the tables to bench/RESULTS.md under the GPU's section. JSON files go
# to $OUT (default bench/out). Presets/types can be narrowed: PRESETS="0.1b 1.5b" TYPES="f16".
set -eu
TITLE=${1:-"GPU run"}
CHANGE=${2:-"-"}
MODELS=${MODELS:-/tmp/rwkv-bench-models}
OUT=${OUT:-bench/out}
PRESETS=${PRESETS:-"0.1b 0.4b 1.5b 2.9b"}
TYPES=${TYPES:-"f16 q8_0 q5_k q4_k_m"}
VOCAB=${VOCAB:-tests/data/tokenizer/rwkv_vocab_v20230424.txt}
BUILD=${BUILD:-build-bench-gpu}

cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target rwkv-gen rwkv-bench
mkdir -p "$MODELS" "$OUT"
"$BUILD/rwkv-bench" models/tiny-rwkv7-834K-F32.gguf --cold --json "$OUT/tiny-F32.json" \
  --title "$TITLE: tiny F32" --change "$CHANGE" --append bench/RESULTS.md
for p in $PRESETS; do
  for t in $TYPES; do
    m="$MODELS/rwkv7-$p-$t.gguf"
    [ -f "$m" ] || "$BUILD/rwkv-gen" "$m" --preset "$p" --type "$t" --vocab "$VOCAB" --quiet
    "$BUILD/rwkv-bench" "$m" --cold --json "$OUT/$p-$t.json" \
      --title "$TITLE: $p $t" --change "$CHANGE" --append bench/RESULTS.md
  done
done
