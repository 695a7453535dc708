#!/bin/bash
# bench/h100_s17n.sh (needs 6d7e0a4) - session 17: the WKV scan's token steps written out a
# chunk at a time (RWKV_WKV_SCAN_TU=1) against the loop: test_wkv on the GPU, then the wkv
# step's time and the 512-token pass (wkv_pp), and rwkv-bench's figures, interleaved, on the
# 2.9B Q4_K_M and F16.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_wkv
  gen_models 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16; do
    for r in 1 2; do
      for v in 0 1; do echo "-- $m TU=$v: $(wkv_pp $m RWKV_WKV_SCAN_TU=$v)"; done
    done
  done
  figures_ab 1 "2.9b-q4_k_m 2.9b-f16" RWKV_WKV_SCAN_TU=0 RWKV_WKV_SCAN_TU=1
} 2>&1 | tee "$OUT/s17n.txt"
