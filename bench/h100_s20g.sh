#!/bin/bash
# bench/h100_s20g.sh - session 20: the long passes' split-K target (RWKV_MM_SPLIT_MIN, default
# 2112) at 1584 / 2640 / 3168 with the short passes' new 528, rwkv-bench interleaved, two rounds.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m
  for m in 2.9b-f16 2.9b-q4_k_m; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  figures_ab 2 "2.9b-f16 2.9b-q4_k_m" "" "RWKV_MM_SPLIT_MIN=1584 RWKV_MM_SPLIT_MIN_SMALL=528" "RWKV_MM_SPLIT_MIN=2640 RWKV_MM_SPLIT_MIN_SMALL=528" "RWKV_MM_SPLIT_MIN=3168 RWKV_MM_SPLIT_MIN_SMALL=528"
} 2>&1 | tee "$OUT/s20g.txt"
