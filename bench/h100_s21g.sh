#!/bin/bash
# bench/h100_s21g.sh - session 21: f16 rows in passes of 3..8 token tiles split by the target's
# floor in at most 8 pieces (RWKV_MM_SPLIT_MID_MAX, default 8 for f16; 0: the ceiling) against
# the ceiling and against the per-shape table it replaces (h100_s21f.sh's), rwkv-bench interleaved.
set -u
. bench/h100_env.sh
T=RWKV_MM_SPLIT_KM=2560:7680:0:4,2560:2560:0:8,10240:2560:0:8
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 1.5b-f16 0.1b-f16 2.9b-q4_k_m
  for m in 2.9b-f16 2.9b-q4_k_m; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  figures_ab 2 "2.9b-f16" "" RWKV_MM_SPLIT_MID_MAX=0 "RWKV_MM_SPLIT_MID_MAX=0 $T"
  figures_ab 1 "1.5b-f16 0.1b-f16 2.9b-q4_k_m" "" RWKV_MM_SPLIT_MID_MAX=0
} 2>&1 | tee "$OUT/s21g.txt"
