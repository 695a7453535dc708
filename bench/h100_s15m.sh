#!/bin/bash
# bench/h100_s15m.sh - session 15: with the early slot switch, does the ring still want three
# slots (RWKV_UPLOAD_SLOTS=2 pins a third less host memory; 4 as a check)? First loads of the
# 2.9B Q4_K_M and 0.1B F16 in fresh processes (six interleaved rounds); then the first passes
# after a load (LOADTIME_FIRST=1) at the defaults.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 0.1b-f16
  warm_loads 2.9b-q4_k_m 0.1b-f16
  first_loads 6 "2.9b-q4_k_m 0.1b-f16" "" RWKV_UPLOAD_SLOTS=2 RWKV_UPLOAD_SLOTS=4
  echo "== first passes"
  LOADTIME_FIRST=1 "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 3 2>&1 | grep -E "^load|first passes"
} 2>&1 | tee "$OUT/s15m.txt"
