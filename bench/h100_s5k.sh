#!/bin/bash
# bench/h100_s5k.sh - session 5: preloaded decode units holding raw words only (mmu_load),
# for K-quants too: RWKV_MM_PRE=1 at several unit counts against the default, interleaved.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_matmul test_quant_model
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16" "" "RWKV_MM_PRE=0" "RWKV_MM_PRE=1" "RWKV_MM_PRE=1 RWKV_MM_UNR=2"
} 2>&1 | tee "$OUT/s5k.txt"
