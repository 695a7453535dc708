#!/bin/bash
# bench/h100_s10k.sh - session 10: the F16 FFN key's matvec (2560 x 10240: 1280 workgroups of
# 8 rows, 528 resident) with more rows a lane group (RWKV_MM_NR) and units in flight
# (RWKV_MM_UNR): occupancy and bench-mm from memory, then decode per token with the best
# settings for every float matvec (RWKV_MM_NR applies to all).
set -u
. bench/h100_env.sh
{
  export BENCH_MM_TYPES=f16
  export BENCH_MM_CFGS="def:;n3:RWKV_MM_NR=3;n4:RWKV_MM_NR=4;n5:RWKV_MM_NR=5;n4u2:RWKV_MM_NR=4,RWKV_MM_UNR=2;n5u2:RWKV_MM_NR=5,RWKV_MM_UNR=2;n4p0:RWKV_MM_NR=4,RWKV_MM_PRE=0"
  BENCH_MM_OCC=1 BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
  for r in 1 2; do BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"; done
  unset BENCH_MM_TYPES BENCH_MM_CFGS
} 2>&1 | tee "$OUT/s10k.txt"
