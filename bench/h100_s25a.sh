#!/bin/bash
# bench/h100_s25a.sh - session 25: r / k / v of the Q4_K_M on f16 rows decoded beside the
# previous layer's WKV scan (RWKV_RKV_F16_MIN, bd39a32) and the decodes' grid rows
# (RWKV_DQ_ROWS: fewer workgroups looping, a thinner stream beside the scan) against
# build-h100b (7e75f4d): per-step GPU time at pp512, bench-profile's pass, then rwkv-bench's
# pp512 / document state in two interleaved rounds; test_quant_model on the GPU.
set -u
. bench/h100_env.sh
M=2.9b-q4_k_m
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models $M
  echo "== test_quant_model"; gpu_tests test_quant_model
  echo "== steps at pp512 (us a call) and the unprofiled pass"
  for r in 1 2; do
    echo "-- build-h100b: $(B=build-h100b steps_us $M) | $(B=build-h100b pass_ms $M)"
    for v in "RWKV_RKV_F16_MIN=0 RWKV_DQ_ROWS=0" "RWKV_RKV_F16_MIN=0 RWKV_DQ_ROWS=64" \
             "RWKV_RKV_F16_MIN=0 RWKV_DQ_ROWS=256" "RWKV_DQ_ROWS=0" "RWKV_DQ_ROWS=16" \
             "RWKV_DQ_ROWS=64" "RWKV_DQ_ROWS=256"; do
      # shellcheck disable=SC2086
      echo "-- $v: $(steps_us $M $v) | $(pass_ms $M $v)"
    done
  done
  echo "== rwkv-bench figures"
  figures_ab 2 "$M" "@build-h100b" "RWKV_DQ_ROWS=0" "RWKV_DQ_ROWS=64" "RWKV_RKV_F16_MIN=0 RWKV_DQ_ROWS=64"
} 2>&1 | tee "$OUT/s25a.txt"
