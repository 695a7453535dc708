#!/bin/bash
# bench/h100_s5i.sh - session 5: decode per token with the blocked decode kernel's units
# preloaded (RWKV_MM_PRE=1) at several unit counts (RWKV_MM_UNR), interleaved.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_matmul
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" "RWKV_MM_PRE=1" "RWKV_MM_PRE=1 RWKV_MM_UNR=2" "RWKV_MM_PRE=1 RWKV_MM_UNR=3" "RWKV_MM_PRE=1 RWKV_MM_UNR=4" "RWKV_MM_UNR=2"
} 2>&1 | tee "$OUT/s5i.txt"
