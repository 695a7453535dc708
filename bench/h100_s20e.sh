#!/bin/bash
# bench/h100_s20e.sh - session 20: split-K targets for the short passes (<= 2 token tiles: the
# 10 fields) again, since the tiles and reduces changed (RWKV_MM_SPLIT_MIN_SMALL, default 1056;
# RWKV_MM_SPLIT_MAX, default 16, which binds only there), rwkv-bench interleaved, two rounds.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m
  for m in 2.9b-f16 2.9b-q4_k_m; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16" "" RWKV_MM_SPLIT_MIN_SMALL=528 RWKV_MM_SPLIT_MIN_SMALL=792 RWKV_MM_SPLIT_MIN_SMALL=1584 RWKV_MM_SPLIT_MAX=32
} 2>&1 | tee "$OUT/s20e.txt"
