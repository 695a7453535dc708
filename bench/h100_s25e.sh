#!/bin/bash
# bench/h100_s25e.sh - session 25: rows16 for every quantized type (Q8_0, which trails the F16
# in long prefills; Q5_K) on against off, bench-profile's 512-token pass and rwkv-bench's pp512
# / document state, two interleaved rounds; the GPU tests that cover rows16 at this commit.
set -u
. bench/h100_env.sh
OFF="RWKV_RKV_F16_MIN=0 RWKV_FFK_F16_MIN=0 RWKV_FFN_F16_MIN=0"
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q8_0 2.9b-q5_k
  echo "== tests"; gpu_tests test_quant_model test_forward test_matmul
  for r in 1 2; do
    for m in 2.9b-q8_0 2.9b-q5_k; do
      echo "-- $m default: $(pass_ms $m)"
      # shellcheck disable=SC2086
      echo "-- $m off: $(pass_ms $m $OFF)"
    done
  done
  echo "== rwkv-bench figures"
  # shellcheck disable=SC2086
  figures_ab 2 "2.9b-q8_0" "" "$OFF"
} 2>&1 | tee "$OUT/s25e.txt"
