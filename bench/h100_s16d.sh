#!/bin/bash
# bench/h100_s16d.sh - session 16: the WKV scan with the next chunk's inputs in registers
# (RWKV_WKV_SCAN_PF), outputs staged in shared memory (RWKV_WKV_SCAN_OSH) and pre / post with
# one subgroup a head, 4 heads a workgroup (RWKV_WKV_HEAD_PG; 0 = a workgroup a head):
# the wkv step's GPU time (us a layer, RWKV_PROFILE) and pp512 per variant; GPU tests.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_wkv test_forward
  gen_models 2.9b-q4_k_m
  "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 2 > /dev/null 2>&1
  for r in 1 2; do
    for v in "RWKV_WKV_SCAN_PF=0 RWKV_WKV_SCAN_OSH=0 RWKV_WKV_HEAD_PG=0" "RWKV_WKV_HEAD_PG=0" \
             "RWKV_WKV_SCAN_PF=0" "RWKV_WKV_SCAN_OSH=0" "RWKV_WKV_HEAD_PG=4" "RWKV_WKV_HEAD_PG=8" \
             "RWKV_WKV_HEAD_PG=2" "RWKV_WKV_LANES=16 RWKV_WKV_ROWS=16" "RWKV_WKV_LANES=8 RWKV_WKV_ROWS=32" \
             "RWKV_WKV_LANES=8 RWKV_WKV_ROWS=16" "RWKV_WKV_LANES=16 RWKV_WKV_ROWS=8" "RWKV_WKV_CH=16" \
             "RWKV_WKV_CH=4" "RWKV_WKV_CH=16 RWKV_WKV_LANES=8 RWKV_WKV_ROWS=32"; do
      # shellcheck disable=SC2086
      echo "-- $v: $(wkv_pp 2.9b-q4_k_m $v)"
    done
  done
} 2>&1 | tee "$OUT/s16d.txt"
