#!/bin/bash
# bench/h100_s24b.sh - session 24 (needs e84282a, reverted in 30e918a): the chunked WKV scan
# (RWKV_WKV_CC=8: rwkv_wkv_chunk.comp's coefficients, rows stepping 8 tokens at a time) against
# the token walk: test_wkv and
# test_forward with it on the GPU, the wkv step's GPU time at pp512, rwkv-bench's prefill /
# document state / fields figures, the fields through the scan path (RWKV_WKV_ONE_BH=0).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== tests with RWKV_WKV_CC=8"
  export RWKV_WKV_CC=8
  gpu_tests test_wkv test_forward
  unset RWKV_WKV_CC
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  echo "== wkv step at pp512 (us a layer), ms a pass"
  for m in 2.9b-q4_k_m 2.9b-f16; do
    for v in RWKV_WKV_CC=0 RWKV_WKV_CC=8 RWKV_WKV_CC=4 RWKV_WKV_CC=0 RWKV_WKV_CC=8; do echo "-- $m $v: $(wkv_pp $m $v)"; done
  done
  echo "== fields (ms a pass)"
  for m in 2.9b-q4_k_m; do
    fields_ms $m > /dev/null
    for r in 1 2; do
      for v in "" "RWKV_WKV_ONE_BH=0" "RWKV_WKV_ONE_BH=0 RWKV_WKV_CC=8" "RWKV_WKV_ONE_BH=0 RWKV_WKV_CC=4"; do
        echo "-- $m ${v:-default}: $( [ -n "$v" ] && export $v; fields_ms $m)"
      done
    done
  done
  echo "== rwkv-bench figures"
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" "RWKV_WKV_CC=8"
} 2>&1 | tee "$OUT/s24b.txt"
