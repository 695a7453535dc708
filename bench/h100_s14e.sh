#!/bin/bash
# bench/h100_s14e.sh - session 14: short passes (the 10 fields: 10 sequences of ~12 rows)
# through the one-kernel WKV with its LoRA dots per row (RWKV_WKV_LORA_T=N) instead of four
# LoRA-2 matmuls; the GPU tests with it forced on for every pass first.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  echo "== tests, RWKV_WKV_LORA_T=100000"
  RWKV_WKV_LORA_T=100000 gpu_tests test_forward test_quant_model test_wkv test_lnfuse
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  bench_sweep 3 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "--repeat 5 --prefill 64 --decode 0 --doc 64" \
    'fields|pp64 \(|FNV' "" "RWKV_WKV_LORA_T=16" "RWKV_WKV_LORA_T=64"
} 2>&1 | tee "$OUT/s14e.txt"
