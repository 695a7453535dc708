#!/bin/bash
# bench/h100_s10j.sh - session 10: rows a lane group for the K-quant r/k/v matvec (2560 x
# 7680; default 2 rows, 1 unit) through a temporary knob RWKV_MM_RKV=<rows> (a build of
# 08b8735 with it, not committed): occupancy and bench-mm from memory, decode per token.
set -u
. bench/h100_env.sh
{
  export BENCH_MM_TYPES=q4_K,q6_K
  BENCH_MM_CFGS="n2:RWKV_MM_RKV=2;n3:RWKV_MM_RKV=3;n4:RWKV_MM_RKV=4;n5:RWKV_MM_RKV=5" BENCH_MM_OCC=1 BENCH_MM_COPIES=12 "$B/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
  BENCH_MM_CFGS="n2:RWKV_MM_RKV=2;n3:RWKV_MM_RKV=3;n4:RWKV_MM_RKV=4;n5:RWKV_MM_RKV=5" BENCH_MM_COPIES=12 "$B/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
  unset BENCH_MM_TYPES
  gen_models 2.9b-q4_k_m
  decode_sweep 3 "2.9b-q4_k_m" "" "RWKV_MM_RKV=3" "RWKV_MM_RKV=4" "RWKV_MM_RKV=5"
} 2>&1 | tee "$OUT/s10j.txt"
