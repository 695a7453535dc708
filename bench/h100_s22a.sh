#!/bin/bash
# bench/h100_s22a.sh - session 22: the decode WKV kernel's LoRA weight words loaded at its
# start (RWKV_WKV_HOIST, b5a9bf7) against the old order, decode per token interleaved; four
# walkers for F32 LoRA rows again with it (RWKV_WKV_QUAD=1); the decode step's GPU timestamps.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests"; gpu_tests test_wkv test_forward
  echo "== decode"
  decode_sweep 3 "0.1b-f16 2.9b-f16" "" RWKV_WKV_HOIST=0
  decode_sweep 3 "2.9b-q4_k_m" "" RWKV_WKV_HOIST=0 RWKV_WKV_QUAD=1 "RWKV_WKV_QUAD=1 RWKV_WKV_HOIST=0"
  echo "== wkv parts (2.9b-f16; RWKV_WKV_CUT, garbage out)"
  decode_sweep 1 "2.9b-f16" "" RWKV_WKV_CUT=1 RWKV_WKV_CUT=2 RWKV_WKV_CUT=4 RWKV_WKV_CUT=24 RWKV_WKV_CUT=31
  echo "== profile"
  for m in 0.1b-f16 2.9b-f16 2.9b-q4_k_m; do
    echo "-- $m"; RWKV_PROFILE=1 BENCH_OUTPUT=none "$B/bench-profile" /tmp/m-$m.gguf 1 200 2>&1 | grep -A16 "rwkv profile"
  done
} 2>&1 | tee "$OUT/s22a.txt"
