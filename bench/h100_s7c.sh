#!/bin/bash
# bench/h100_s7c.sh - session 7: bench-persist with balanced rows (each workgroup an even share
# of every matvec's rows, its invocations walking the units flat) at 256 / 512 / 1024
# invocations per workgroup, 132 workgroups.
set -u
. bench/h100_env.sh
{
  for nt in 256 512 1024; do
    for a in "f16 2560 32 132 20" "q4 2560 32 132 20" "f16 768 12 132 50"; do
      BENCH_PERSIST_NT=$nt timeout 60 "$B/bench-persist" $a
    done
  done
} 2>&1 | tee "$OUT/s7c.txt"
