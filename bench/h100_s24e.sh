#!/bin/bash
# bench/h100_s24e.sh - session 24: the FFN value's f16 rows decoded a unit of 32 weights an
# invocation (the blocked decode kernel's unit decoders) against 8 (mm_w8; build-h100b at
# 8134745): rwkv-bench's pp512 / document state, three interleaved rounds, the wkv step (with
# the decode beside it) at pp512; test_quant_model.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_quant_model
  gen_models 2.9b-q4_k_m
  echo "== rwkv-bench figures"
  figures_ab 3 "2.9b-q4_k_m" "@build-h100b" "" "RWKV_FFN_F16_MIN=0"
  echo "== wkv step at pp512 (us a layer)"
  for v in RWKV_FFN_F16_MIN=0 RWKV_FFN_F16_MIN=257; do
    echo "-- $v: $(wkv_us 2.9b-q4_k_m $v)"
  done
  echo "-- build-h100b: $(B=build-h100b wkv_us 2.9b-q4_k_m)"
} 2>&1 | tee "$OUT/s24e.txt"
