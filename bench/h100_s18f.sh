#!/bin/bash
# bench/h100_s18f.sh - session 18: the split-K targets again now that r / k / v and the LoRA
# first stages' pieces run side by side (RWKV_MM_SPLIT_MIN, default 2112 workgroups; _SMALL for
# at most two token tiles, default 1056): rwkv-bench's figures interleaved, 2.9B Q4_K_M and F16.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q4_k_m 2.9b-f16
  figures_ab 2 "2.9b-q4_k_m" "" RWKV_MM_SPLIT_MIN_SMALL=792 RWKV_MM_SPLIT_MIN_SMALL=1320 \
    "RWKV_MM_SPLIT_MIN=1584 RWKV_MM_SPLIT_MIN_SMALL=1056" "RWKV_MM_SPLIT_MIN=2640 RWKV_MM_SPLIT_MIN_SMALL=1056"
  figures_ab 1 "2.9b-f16" "" RWKV_MM_SPLIT_MIN_SMALL=792 "RWKV_MM_SPLIT_MIN=1584 RWKV_MM_SPLIT_MIN_SMALL=1056"
} 2>&1 | tee "$OUT/s18f.txt"
