#!/bin/bash
# bench/h100_s22e.sh - session 22: the WKV decode kernel's dots by quads (WKV_QDOT) against
# parts of 64 (RWKV_WKV_QDOT=0), decode interleaved; what its dots still cost (RWKV_WKV_CUT=1).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests"; gpu_tests test_wkv test_forward test_generate
  echo "== decode"
  decode_sweep 3 "0.1b-f16 2.9b-f16 2.9b-q4_k_m" "" RWKV_WKV_QDOT=0
  decode_sweep 1 "0.1b-f16 2.9b-f16" RWKV_WKV_CUT=1 "RWKV_WKV_CUT=1 RWKV_WKV_QDOT=0"
} 2>&1 | tee "$OUT/s22e.txt"
