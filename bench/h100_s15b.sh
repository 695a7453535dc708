#!/bin/bash
# bench/h100_s15b.sh - session 15 (needs 8ce2f86): RWKV_UPLOAD_POPULATE=2 against the default again (after
# s15a, whose 2.9B medians differed by more than populating could cost): first loads of the
# 2.9B Q4_K_M in fresh processes, twelve interleaved rounds, the order flipped every round.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m
  warm_loads 2.9b-q4_k_m
  for ((r = 0; r < 12; r++)); do
    if [ $((r % 2)) = 0 ]; then first_loads 1 2.9b-q4_k_m "" RWKV_UPLOAD_POPULATE=2
    else first_loads 1 2.9b-q4_k_m RWKV_UPLOAD_POPULATE=2 ""; fi
  done
} 2>&1 | tee "$OUT/s15b.txt"
