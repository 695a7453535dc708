#!/bin/bash
# bench/h100_s21a.sh - session 21: token pairs in the WKV scan (RWKV_WKV_SCAN_PAIR, default 1):
# the scan's GPU time a layer at pp512 and rwkv-bench figures, pairs against single tokens,
# interleaved; chunk and row-group sizes with pairs; test_wkv / test_forward on the GPU.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_wkv test_forward
  gen_models 2.9b-f16 2.9b-q4_k_m 0.1b-f16
  for m in 2.9b-f16 2.9b-q4_k_m; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  for r in 1 2; do
    for v in "" RWKV_WKV_SCAN_PAIR=0 RWKV_WKV_CH=16 RWKV_WKV_ROWS=16 "RWKV_WKV_CH=16 RWKV_WKV_ROWS=16" RWKV_WKV_ROWS=4; do
      # shellcheck disable=SC2086
      echo "-- wkv 2.9b-f16 ${v:-default}: $(wkv_pp 2.9b-f16 $v)"
    done
  done
  figures_ab 2 "2.9b-f16 2.9b-q4_k_m 0.1b-f16" "" RWKV_WKV_SCAN_PAIR=0
} 2>&1 | tee "$OUT/s21a.txt"
