#!/bin/bash
# bench/h100_s22f.sh - session 22: the WKV decode kernel with the hidden vectors from act and
# three barriers a token (WKV_QDIRECT) against the staged form (RWKV_WKV_QDIRECT=0), decode
# interleaved; what its parts cost now (RWKV_WKV_CUT).
# Needs 7949c32 (reverted in 2eaba32).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests"; gpu_tests test_wkv test_forward test_generate test_quant_model
  echo "== decode"
  decode_sweep 3 "0.1b-f16 2.9b-f16 2.9b-q4_k_m" "" RWKV_WKV_QDIRECT=0
  decode_sweep 1 "0.1b-f16 2.9b-f16" RWKV_WKV_CUT=1 RWKV_WKV_CUT=2 RWKV_WKV_CUT=24 RWKV_WKV_CUT=31
} 2>&1 | tee "$OUT/s22f.txt"
