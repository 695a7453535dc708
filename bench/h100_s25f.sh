#!/bin/bash
# bench/h100_s25f.sh - session 25: rows16 on the smaller presets (0.1B / 0.4B: the value only;
# 1.5B: all three) in Q8_0 and Q4_K_M, on against off: bench-profile's 512-token pass, two
# interleaved rounds.
set -u
. bench/h100_env.sh
OFF="RWKV_RKV_F16_MIN=0 RWKV_FFK_F16_MIN=0 RWKV_FFN_F16_MIN=0"
MS="0.1b-q8_0 0.1b-q4_k_m 0.4b-q8_0 1.5b-q8_0"
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  # shellcheck disable=SC2086
  gen_models $MS
  for r in 1 2; do
    for m in $MS; do
      echo "-- $m default: $(pass_ms $m)"
      # shellcheck disable=SC2086
      echo "-- $m off: $(pass_ms $m $OFF)"
    done
  done
} 2>&1 | tee "$OUT/s25f.txt"
