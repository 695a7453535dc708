#!/bin/bash
# bench/h100_s21h.sh - session 21: the Q4_K_M's pieces in passes of up to 512 tokens: the floor
# rule for every type (RWKV_MM_SPLIT_MID_MAX=16, as f16 has with 8) and single shapes
# (r/k stack 6, Wo / v 8, FFN key 3), rwkv-bench interleaved.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q4_k_m
  "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1
  figures_ab 2 "2.9b-q4_k_m" "" RWKV_MM_SPLIT_MID_MAX=16 RWKV_MM_SPLIT_KM=2560:5120:0:6 \
    RWKV_MM_SPLIT_KM=2560:2560:0:8 RWKV_MM_SPLIT_KM=2560:10240:0:3
} 2>&1 | tee "$OUT/s21h.txt"
