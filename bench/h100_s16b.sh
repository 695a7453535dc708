#!/bin/bash
# bench/h100_s16b.sh - session 16: the WKV scan's row groups as subgroup clusters
# (RWKV_WKV_LANES below the subgroup size, WKV_CLUSTER): the scan step's GPU time (RWKV_PROFILE
# timestamps, us a layer) and pp512 without the profiler, per lanes x rows; test_wkv (its
# shapes now take clusters on a GPU that has them).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_wkv
  gen_models 2.9b-q4_k_m
  "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 2 > /dev/null 2>&1
  for r in 1 2; do
    for v in "RWKV_WKV_LANES=32 RWKV_WKV_ROWS=8" "RWKV_WKV_LANES=16 RWKV_WKV_ROWS=8" \
             "RWKV_WKV_LANES=16 RWKV_WKV_ROWS=16" "RWKV_WKV_LANES=8 RWKV_WKV_ROWS=8" \
             "RWKV_WKV_LANES=8 RWKV_WKV_ROWS=16" "RWKV_WKV_LANES=8 RWKV_WKV_ROWS=32" \
             "RWKV_WKV_LANES=4 RWKV_WKV_ROWS=16" "RWKV_WKV_LANES=4 RWKV_WKV_ROWS=32" \
             "RWKV_WKV_LANES=4 RWKV_WKV_ROWS=64" "RWKV_WKV_LANES=2 RWKV_WKV_ROWS=32" \
             "RWKV_WKV_LANES=2 RWKV_WKV_ROWS=64" "RWKV_WKV_LANES=8 RWKV_WKV_ROWS=16 RWKV_WKV_CH=16" \
             "RWKV_WKV_LANES=4 RWKV_WKV_ROWS=32 RWKV_WKV_CH=16"; do
      # shellcheck disable=SC2086
      echo "-- $v: $(wkv_pp 2.9b-q4_k_m $v)"
    done
  done
} 2>&1 | tee "$OUT/s16b.txt"
