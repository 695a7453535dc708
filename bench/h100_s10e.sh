#!/bin/bash
# bench/h100_s10e.sh - session 10: what the blocked decode kernel's time is made of. bench-mm
# from memory (BENCH_MM_COPIES) with the decode math left out (RWKV_MM_CUT=1), the x loads
# left out (2) or both (3), every variant in one process; the most workgroups resident at
# once (BENCH_MM_OCC); decode per token of the 2.9B models with the same cuts (garbage out,
# the time is what counts).
set -u
. bench/h100_env.sh
{
  export BENCH_MM_CFGS="c0:RWKV_MM_CUT=0;c1:RWKV_MM_CUT=1;c2:RWKV_MM_CUT=2;c3:RWKV_MM_CUT=3"
  export BENCH_MM_TYPES=q4_K,q6_K,f16
  mm_decode_shapes "$B"
  unset BENCH_MM_CFGS
  echo "== occupancy"
  BENCH_MM_OCC=1 BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
  BENCH_MM_OCC=1 BENCH_MM_COPIES=10 "$B/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
  BENCH_MM_OCC=1 BENCH_MM_COPIES=40 "$B/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
  unset BENCH_MM_TYPES
  gen_models 2.9b-q4_k_m 2.9b-f16
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16" "" "RWKV_MM_CUT=1" "RWKV_MM_CUT=2" "RWKV_MM_CUT=3"
} 2>&1 | tee "$OUT/s10e.txt"
