#!/bin/bash
# bench/h100_s10m.sh - session 10: rows a lane group / units in flight for the K-quant FFN
# value matvec (10240 x 2560: one row a lane group, 2 units; x of 10240 floats read through
# L1 for every row) through a temporary knob RWKV_MM_FV=<rows>,<units> (a build of 0b450ff
# with it, not committed): bench-mm from memory with the occupancy probe, decode per token.
set -u
. bench/h100_env.sh
{
  export BENCH_MM_TYPES=q4_K,q6_K
  export BENCH_MM_CFGS="def:;a:RWKV_MM_FV=1,2;b:RWKV_MM_FV=2,1;c:RWKV_MM_FV=2,2;d:RWKV_MM_FV=2,3;e:RWKV_MM_FV=3,1;f:RWKV_MM_FV=4,1"
  BENCH_MM_OCC=1 BENCH_MM_COPIES=10 "$B/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
  for r in 1 2; do BENCH_MM_COPIES=10 "$B/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"; done
  unset BENCH_MM_TYPES BENCH_MM_CFGS
  gen_models 2.9b-q4_k_m
  decode_sweep 3 "2.9b-q4_k_m" "" "RWKV_MM_FV=2,1" "RWKV_MM_FV=2,2" "RWKV_MM_FV=3,1"
} 2>&1 | tee "$OUT/s10m.txt"
