#!/bin/bash
# bench/h100_s17i.sh - session 17: split-K settings again with the written-out k loop (the
# tiles' speeds changed): the short batches' threshold (RWKV_MM_SPLIT_MIN_SMALL, the 10 fields'
# 124-row passes) and the most pieces (RWKV_MM_SPLIT_MAX), on the 2.9B Q4_K_M and F16.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q4_k_m 2.9b-f16
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16" "" RWKV_MM_SPLIT_MIN_SMALL=528 RWKV_MM_SPLIT_MIN_SMALL=1584 \
    RWKV_MM_SPLIT_MIN_SMALL=2112 RWKV_MM_SPLIT_MAX=8 RWKV_MM_SPLIT_MAX=24
} 2>&1 | tee "$OUT/s17i.txt"
