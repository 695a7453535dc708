#!/bin/bash
# bench/h100_s5g.sh - session 5: decode per token with the blocked decode kernel on a capped
# grid (RWKV_MM_WGS=0 / 132 / 264 / 528 / 1056), interleaved; test_matmul on the GPU.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_matmul
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "RWKV_MM_WGS=0" "RWKV_MM_WGS=132" "RWKV_MM_WGS=264" "RWKV_MM_WGS=528" "RWKV_MM_WGS=1056"
} 2>&1 | tee "$OUT/s5g.txt"
