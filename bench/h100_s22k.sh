#!/bin/bash
# bench/h100_s22k.sh - session 22: decode knobs again after the WKV changes: layer-norm slices
# a row (RWKV_LN_SPLIT; default D / 256) and the glFlush interval (RWKV_SYNC; default flush:4).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  decode_sweep 2 "0.1b-f16 2.9b-f16 2.9b-q4_k_m" "" RWKV_LN_SPLIT=1 RWKV_LN_SPLIT=5 RWKV_LN_SPLIT=20 \
    RWKV_SYNC=flush:2 RWKV_SYNC=flush:8 RWKV_SYNC=none
} 2>&1 | tee "$OUT/s22k.txt"
