#!/bin/bash
# bench/h100_s19h.sh - session 19: fewer split-K pieces for K = 2560 (Wo, the LoRA first
# stages): RWKV_MM_SPLIT_SLICES, the fewest 16-wide K slices a piece (default 4; 20 caps K =
# 2560 at 8 pieces, 14 at 11; K = 10240 keeps 16): bench-mm, then rwkv-bench interleaved.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  export BENCH_MM_CFGS="default:;s14:RWKV_MM_SPLIT_SLICES=14;s20:RWKV_MM_SPLIT_SLICES=20;s27:RWKV_MM_SPLIT_SLICES=27"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 2560 2560 124 512 1024 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16 "$B/bench-mm" 2560 576 124 512 | grep -v "^NVIDIA"
  unset BENCH_MM_CFGS
  gen_models 2.9b-f16 2.9b-q4_k_m
  figures_ab 1 "2.9b-f16 2.9b-q4_k_m" "" RWKV_MM_SPLIT_SLICES=20 RWKV_MM_SPLIT_SLICES=14
} 2>&1 | tee "$OUT/s19h.txt"
