#!/bin/bash
# Session 26: where bench-persist's pdl gain comes from: the weight prefetch before the wait
# (BENCH_PERSIST_PF=0: none) and polling with loads instead of atomics (BENCH_PERSIST_APOLL=1:
# atomicAdd(count, 0), as session 4's chained dispatches did).
. bench/h100_env.sh
run() { echo "== $*"; env BENCH_PERSIST_NOGRID=1 "$@" | tail -2; }
for v in "" "BENCH_PERSIST_PF=0" "BENCH_PERSIST_APOLL=1" "BENCH_PERSIST_PF=0 BENCH_PERSIST_APOLL=1"; do
  run $v BENCH_PERSIST_PU=8 timeout 120 "$B/bench-persist" f16 2560 32 264 20
  run $v BENCH_PERSIST_PU=4 timeout 120 "$B/bench-persist" q4 2560 32 264 20
  run $v timeout 120 "$B/bench-persist" f16 768 12 264 50
done
