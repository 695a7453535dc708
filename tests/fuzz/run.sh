#!/bin/sh
# run.sh - build the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined)
# straight from the engine sources, and run each for a bounded time.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]   run each target SECONDS (default 30)
#   tests/fuzz/run.sh --seeds                 regenerate tests/fuzz/corpus_* seeds
#
# Environment: FUZZ_BUILD (default <repo>/build-fuzz/fuzz), CLANG (default clang-14 or clang),
# FUZZ_JOBS (parallel workers per target, default 1).
# New corpus entries go to $FUZZ_BUILD/corpus_<target> (the committed seeds are only read);
# crashes to $FUZZ_BUILD/crashes_<target>/. Copy a crash into tests/fuzz/regressions/ once fixed.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${FUZZ_BUILD:-$ROOT/build-fuzz/fuzz}
if [ -z "${CLANG:-}" ]; then
  if command -v clang-14 >/dev/null 2>&1; then CLANG=clang-14; else CLANG=clang; fi
fi
mkdir -p "$B"
ENGINE="engine/gguf.c engine/quant.c engine/rwkv7.c engine/tokenizer.c engine/tokenizer_gguf.c engine/rwkv_error.c"
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer -Iengine"

if [ "${1:-}" = "--seeds" ]; then
  cd "$ROOT"
  $CLANG $CFLAGS -Itests/lib -fsanitize=address,undefined -o "$B/make_seeds" tests/fuzz/make_seeds.c \
    tests/lib/tinygen.c $ENGINE engine/gguf_write.c -lm
  rm -f tests/fuzz/corpus_gguf/* tests/fuzz/corpus_vocab/*
  "$B/make_seeds" tests/fuzz/corpus_gguf tests/fuzz/corpus_vocab \
    /work/shared/testdata/tokenizer/rwkv_vocab_v20230424.txt
  du -sh tests/fuzz/corpus_gguf tests/fuzz/corpus_vocab
  exit 0
fi

SECS=${1:-30}
[ $# -gt 0 ] && shift
TARGETS=${*:-"gguf vocab"}
JOBS=${FUZZ_JOBS:-1}
cd "$ROOT"
status=0
for t in $TARGETS; do
  echo "== fuzz_$t: building"
  $CLANG $CFLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -o "$B/fuzz_$t" "tests/fuzz/fuzz_$t.c" $ENGINE -lm
  mkdir -p "$B/corpus_$t" "$B/crashes_$t"
  log="$B/fuzz_$t.log"
  echo "== fuzz_$t: running ${SECS}s (log $log)"
  set +e
  PAR=""
  [ "$JOBS" -gt 1 ] && PAR="-jobs=$JOBS -workers=$JOBS"
  # run inside $B: with -jobs, libFuzzer writes fuzz-N.log files into the current folder
  (cd "$B" && rm -f fuzz-*.log && \
   ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$B/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    $PAR -artifact_prefix="$B/crashes_$t/" \
    "$B/corpus_$t" "$ROOT/tests/fuzz/corpus_$t") >"$log" 2>&1
  rc=$?
  set -e
  if [ "$JOBS" -gt 1 ]; then wl="$B/fuzz-*.log"; else wl=""; fi
  # shellcheck disable=SC2086
  execs=$(grep -h '^stat::number_of_executed_units' "$log" $wl 2>/dev/null | awk '{s+=$2} END {print s+0}')
  corpus=$(ls "$B/corpus_$t" | wc -l)
  seeds=$(ls "tests/fuzz/corpus_$t" | wc -l)
  crashes=$(ls "$B/crashes_$t" | wc -l)
  cov=$(grep -h 'DONE\|cov:' "$log" | tail -1)
  echo "fuzz_$t: rc=$rc execs=$execs corpus=$corpus (+$seeds seeds) crashes=$crashes"
  echo "  last status: $cov"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    status=1
    grep -h -A30 'ERROR\|runtime error\|deadly signal' "$log" | head -60
    ls "$B/crashes_$t"
  fi
done
exit $status
