#!/bin/bash
# bench/h100_s24f.sh - session 24: the FFN value's f16 decode queued after the WKV scan (its
# workgroups placed first) against before it (build-h100b at fa08d17): rwkv-bench's pp512 /
# document state, three interleaved rounds; the wkv step's GPU time at pp512.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q4_k_m
  echo "== rwkv-bench figures"
  figures_ab 3 "2.9b-q4_k_m" "@build-h100b" "" "RWKV_FFN_F16_MIN=0"
  echo "== wkv step at pp512 (us a layer)"
  echo "-- default: $(wkv_us 2.9b-q4_k_m)"
  echo "-- RWKV_FFN_F16_MIN=0: $(wkv_us 2.9b-q4_k_m RWKV_FFN_F16_MIN=0)"
  echo "-- build-h100b: $(B=build-h100b wkv_us 2.9b-q4_k_m)"
} 2>&1 | tee "$OUT/s24f.txt"
