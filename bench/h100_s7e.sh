#!/bin/bash
# bench/h100_s7e.sh - session 7: decode with weights read into L2 beside narrow steps
# (RWKV_PREFETCH=A,B: A MiB of Wo / FFN beside the WKV kernel, B MiB of r/k/v / LoRA beside
# ln_mix6) against the default, interleaved; GPU tests with it on.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  RWKV_PREFETCH=32,16 gpu_tests test_forward test_generate test_quant_model
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16" "" "RWKV_PREFETCH=16,0" "RWKV_PREFETCH=32,0" "RWKV_PREFETCH=48,0" \
    "RWKV_PREFETCH=32,16" "RWKV_PREFETCH=0,16"
  decode_sweep 2 "0.1b-f16" "" "RWKV_PREFETCH=8,0" "RWKV_PREFETCH=8,4" "RWKV_PREFETCH=16,8"
} 2>&1 | tee "$OUT/s7e.txt"
