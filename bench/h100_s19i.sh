#!/bin/bash
# bench/h100_s19i.sh - session 19: split-K pieces of at least 14 K slices in dispatches of more
# than two token tiles (default now) against 4 (RWKV_MM_SPLIT_SLICES=4, before), interleaved,
# 2.9B Q4_K_M / F16 and the 0.1B (K = 768: at most 3 pieces now).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  figures_ab 2 "2.9b-q4_k_m 0.1b-f16" "" RWKV_MM_SPLIT_SLICES=4
  figures_ab 1 "2.9b-f16" "" RWKV_MM_SPLIT_SLICES=4
} 2>&1 | tee "$OUT/s19i.txt"
