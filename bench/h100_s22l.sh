#!/bin/bash
# bench/h100_s22l.sh - session 22: decode's layer-norm slices a row (RWKV_LN_SPLIT) past the
# default's one channel an invocation (2.9B: 10): 20, 40, 80.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  decode_sweep 3 "2.9b-f16 2.9b-q4_k_m" "" RWKV_LN_SPLIT=20 RWKV_LN_SPLIT=40 RWKV_LN_SPLIT=80
  decode_sweep 3 "0.1b-f16" "" RWKV_LN_SPLIT=6 RWKV_LN_SPLIT=12 RWKV_LN_SPLIT=24
} 2>&1 | tee "$OUT/s22l.txt"
