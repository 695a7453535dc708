#!/bin/bash
# bench/h100_s25b.sh - session 25: rows16 (r / k / v, FFN key and value of K-quant models on
# f16 rows in long prefills, decoded beside the WKV scan by 256 grid rows) against build-h100b
# (7e75f4d: the value alone, one grid row a weight row): per-step GPU time at pp512 and
# bench-profile's pass (2.9B, two rounds; 0.4B / 1.5B one), then rwkv-bench's pp512 / document
# state in three interleaved rounds; test_quant_model on the GPU.
set -u
. bench/h100_env.sh
OFF="RWKV_RKV_F16_MIN=0 RWKV_FFK_F16_MIN=0 RWKV_FFN_F16_MIN=0"
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q4_k_m 1.5b-q4_k_m 0.4b-q4_k_m
  echo "== test_quant_model"; gpu_tests test_quant_model
  echo "== steps at pp512 (us a call) and the unprofiled pass"
  for r in 1 2; do
    echo "-- build-h100b: $(B=build-h100b steps_us 2.9b-q4_k_m) | $(B=build-h100b pass_ms 2.9b-q4_k_m)"
    for v in "" "RWKV_FFK_F16_MIN=0" "RWKV_DQ_ROWS=0" "RWKV_DQ_ROWS=128" "RWKV_DQ_ROWS=512" "$OFF"; do
      # shellcheck disable=SC2086
      echo "-- ${v:-default}: $(steps_us 2.9b-q4_k_m $v) | $(pass_ms 2.9b-q4_k_m $v)"
    done
  done
  for m in 1.5b-q4_k_m 0.4b-q4_k_m; do
    echo "-- $m build-h100b: $(B=build-h100b pass_ms $m)"
    echo "-- $m default: $(pass_ms $m)"
    echo "-- $m RWKV_FFK_F16_MIN=0: $(pass_ms $m RWKV_FFK_F16_MIN=0)"
    # shellcheck disable=SC2086
    echo "-- $m off: $(pass_ms $m $OFF)"
  done
  echo "== rwkv-bench figures"
  figures_ab 3 "2.9b-q4_k_m" "@build-h100b" "" "RWKV_FFK_F16_MIN=0"
} 2>&1 | tee "$OUT/s25b.txt"
