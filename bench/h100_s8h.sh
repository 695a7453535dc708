#!/bin/bash
# bench/h100_s8h.sh - session 8: where the decode WKV kernel's time goes: parts left out
# (RWKV_WKV_CUT bits: 1 LoRA dots, 2 state loads / stores, 4 the walk over S, 8 group-norm
# sums, 16 the kk-norm sum; garbage out) against the step left out (RWKV_SKIP=wkv).
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 0.1b-f16
  decode_sweep 2 "2.9b-q4_k_m 0.1b-f16" "" "RWKV_SKIP=wkv" "RWKV_WKV_CUT=1" "RWKV_WKV_CUT=2" \
    "RWKV_WKV_CUT=4" "RWKV_WKV_CUT=8" "RWKV_WKV_CUT=16" "RWKV_WKV_CUT=24" "RWKV_WKV_CUT=31"
} 2>&1 | tee "$OUT/s8h.txt"
