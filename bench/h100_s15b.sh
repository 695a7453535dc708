#!/bin/bash
# bench/h100_s15b.sh - session 15 (needs 8ce2f86): RWKV_UPLOAD_POPULATE=2 against the default again (after
# s15a, whose 2.9B medians differed by more than populating could cost): first loads of the
# 2.9B Q4_K_M in fresh processes, twelve interleaved rounds, the order flipped every round.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 > /dev/null 2>&1
  for ((r = 0; r < 12; r++)); do
    vs=("" RWKV_UPLOAD_POPULATE=2)
    [ $((r % 2)) = 1 ] && vs=(RWKV_UPLOAD_POPULATE=2 "")
    for v in "${vs[@]}"; do
      echo "-- 2.9b-q4_k_m first load ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 2>&1 | grep -A3 "^load 0" | grep -v "programs:"
    done
  done
} 2>&1 | tee "$OUT/s15b.txt"
