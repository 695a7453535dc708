#!/bin/bash
# bench/h100_s7b.sh - session 7: bench-persist with 256 / 512 / 1024 invocations per workgroup
# (132 workgroups, one per SM: 43 KB of shared x allows no more), unrolled row loads, and
# with empty phases (the dispatches / grid barriers alone).
set -u
. bench/h100_env.sh
{
  BENCH_PERSIST_EMPTY=1 timeout 60 "$B/bench-persist" f16 2560 32 132 20
  BENCH_PERSIST_EMPTY=1 timeout 60 "$B/bench-persist" f16 768 12 132 50
  for nt in 256 512 1024; do
    for a in "f16 2560 32 132 20" "q4 2560 32 132 20" "f16 768 12 132 50"; do
      BENCH_PERSIST_NT=$nt timeout 60 "$B/bench-persist" $a
    done
  done
} 2>&1 | tee "$OUT/s7b.txt"
