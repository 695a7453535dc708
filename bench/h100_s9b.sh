#!/bin/bash
# bench/h100_s9b.sh - session 9: WKV_QUAD with the S loads issued after the LoRA dots
# (RWKV_WKV_QLATE=1) against S loaded first (the default) and one walker a row
# (RWKV_WKV_QUAD=0); h100_s9a.sh found QUAD faster for F16 LoRA rows, slower for the F32
# ones of Q4_K_M.
set -u
. bench/h100_env.sh
{
  gpu_tests test_wkv
  RWKV_WKV_QLATE=1 gpu_tests test_wkv
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  decode_sweep 3 "2.9b-q4_k_m 0.1b-f16 2.9b-f16" "RWKV_WKV_QUAD=0" "" "RWKV_WKV_QLATE=1"
} 2>&1 | tee "$OUT/s9b.txt"
