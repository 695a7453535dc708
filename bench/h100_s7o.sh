#!/bin/bash
# bench/h100_s7o.sh - session 7: where a prefill pass of 124 / 512 / 1024 rows goes now
# (RWKV_PROFILE=1 GPU timestamps per step), 2.9B Q4_K_M, after the float tiles.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m
  for t in 124 512 1024; do
    echo "-- prefill $t"; RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf $t 3 2>&1 | tail -22
  done
} 2>&1 | tee "$OUT/s7o.txt"
