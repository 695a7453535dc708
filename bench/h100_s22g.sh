#!/bin/bash
# bench/h100_s22g.sh - session 22: the WKV decode kernel's subgroup sums (three barriers a token)
# with the hidden vectors staged (WKV_QSTAGE, on) or read from act
# (RWKV_WKV_QSTAGE=0) against the staged nine-barrier form (RWKV_WKV_QDIRECT=0).
# Needs 71a41f6 (reverted in 2eaba32).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests"; gpu_tests test_wkv test_forward
  echo "== decode"
  decode_sweep 3 "0.1b-f16 2.9b-f16 2.9b-q4_k_m" "" RWKV_WKV_QDIRECT=0 RWKV_WKV_QSTAGE=0
} 2>&1 | tee "$OUT/s22g.txt"
