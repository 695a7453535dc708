#!/bin/bash
# bench/h100_s22q.sh - session 22: bench-profile with its warm-up pass (the profile tables of
# h100_session.sh's 2.9B Q4_K_M had held first-pass costs).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q4_k_m
  m=/tmp/m-2.9b-q4_k_m.gguf
  echo "-- decode (64 steps)"; RWKV_PROFILE=1 "$B/bench-profile" $m 1 64 2>&1
  echo "-- prefill 512"; RWKV_PROFILE=1 "$B/bench-profile" $m 512 2 2>&1
  echo "-- prefill 512, the warm-up in the table"; RWKV_PROFILE_SKIP=0 RWKV_PROFILE=1 "$B/bench-profile" $m 512 2 2>&1 | tail -3
} 2>&1 | tee "$OUT/s22q.txt"
