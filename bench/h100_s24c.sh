#!/bin/bash
# bench/h100_s24c.sh - session 24 (needs 397700c, reverted in 30446c6): the chunked WKV scan
# with vec4 block reads and few lanes a row (RWKV_WKV_CC_LANES / _ROWS): the wkv step's GPU
# time at pp512 per shape, the part
# outside the rows' chunk steps (RWKV_WKV_SCAN_CUT=8), tests with it on the GPU, rwkv-bench.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== tests with RWKV_WKV_CC=8 (4 lanes a row)"
  RWKV_WKV_CC=8 gpu_tests test_wkv test_forward
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  echo "== wkv step at pp512 (us a layer), ms a pass"
  m=2.9b-q4_k_m
  for v in RWKV_WKV_CC=0 RWKV_WKV_CC=8 "RWKV_WKV_CC=8 RWKV_WKV_CC_LANES=8" "RWKV_WKV_CC=8 RWKV_WKV_CC_LANES=2" \
    "RWKV_WKV_CC=8 RWKV_WKV_CC_ROWS=16" "RWKV_WKV_CC=8 RWKV_WKV_CC_ROWS=64" "RWKV_WKV_CC=4" \
    "RWKV_WKV_CC=8 RWKV_WKV_SCAN_CUT=8" "RWKV_WKV_CC=0 RWKV_WKV_SCAN_CUT=8" RWKV_WKV_CC=0 RWKV_WKV_CC=8; do
    # shellcheck disable=SC2086
    echo "-- $m $v: $(wkv_pp $m $v)"
  done
  echo "== rwkv-bench figures"
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" "RWKV_WKV_CC=8"
} 2>&1 | tee "$OUT/s24c.txt"
