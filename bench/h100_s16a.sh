#!/bin/bash
# bench/h100_s16a.sh - session 16: where prefill and a field-sized pass spend their time today
# (GPU timestamps per step, RWKV_PROFILE=1): 2.9B Q4_K_M and F16 at T = 512 and T = 124.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16; do
    "$B/bench-profile" /tmp/m-$m.gguf 512 2 > /dev/null 2>&1   # warm-up (shader cache)
    for t in "512 4" "124 10"; do
      echo "== $m T/repeat $t"
      # shellcheck disable=SC2086
      RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf $t embed 2>&1 | tail -16
    done
  done
} 2>&1 | tee "$OUT/s16a.txt"
