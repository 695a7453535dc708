#!/bin/bash
# bench/h100_s19j.sh - session 19: the split-K slice rule (at least 14 K slices a piece past two
# token tiles) on the middle presets: 0.4B F16 (K = 1024: 4 pieces at most) and 1.5B Q4_K_M
# (K = 2048: 9), against RWKV_MM_SPLIT_SLICES=4 (before), interleaved.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.4b-f16 1.5b-q4_k_m
  figures_ab 2 "0.4b-f16 1.5b-q4_k_m" "" RWKV_MM_SPLIT_SLICES=4
} 2>&1 | tee "$OUT/s19j.txt"
