#!/bin/bash
# bench/h100_s14n.sh - session 14: the one-kernel WKV step of short batches (the 10 fields) with
# four invocations a row of S (RWKV_WKV_ONE_QUAD=1) against one a row: the GPU tests with it on,
# then rwkv-bench's fields, three interleaved rounds.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  RWKV_WKV_ONE_QUAD=1 gpu_tests test_wkv test_forward test_quant_model
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  bench_sweep 3 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "--repeat 5 --prefill 64 --decode 0 --doc 64" \
    'fields|pp64 \(|FNV' "" RWKV_WKV_ONE_QUAD=1
} 2>&1 | tee "$OUT/s14n.txt"
