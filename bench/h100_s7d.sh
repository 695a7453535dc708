#!/bin/bash
# bench/h100_s7d.sh - session 7: bench-persist, balanced rows with 1 / 2 / 4 / 8 units loaded
# per invocation before use, at 256 / 512 / 1024 invocations per workgroup; and shared-memory
# sums (BENCH_NO_SG) at 512, to see whether the 512 / 1024 runs' disagreement comes from the
# subgroup sums.
set -u
. bench/h100_env.sh
{
  for nt in 256 512 1024; do
    for pu in 1 2 4 8; do
      for a in "f16 2560 32 132 20" "q4 2560 32 132 20"; do
        BENCH_PERSIST_PU=$pu BENCH_PERSIST_NT=$nt timeout 60 "$B/bench-persist" $a
      done
    done
  done
  BENCH_NO_SG=1 BENCH_PERSIST_NT=256 timeout 60 "$B/bench-persist" f16 2560 32 132 5
  BENCH_NO_SG=1 BENCH_PERSIST_NT=512 timeout 60 "$B/bench-persist" f16 2560 32 132 5
} 2>&1 | tee "$OUT/s7d.txt"
