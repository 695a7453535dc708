#!/bin/bash
# bench/h100_s23a.sh - session 23: where the Q4_K_M's prefill loses to the F16's (per-step
# profiles of pp512 and of the 10 fields' pass for both, bench-mm T = 512 / 124 of the 2.9B's
# shapes in f16, q4_K, q6_K).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m
  for m in 2.9b-f16 2.9b-q4_k_m; do
    echo "-- $m pp512"; RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 512 3 2>&1 | tail -18
    echo "-- $m fields"; RWKV_PROFILE=1 BENCH_LENS=13,10,14,8,12,16,12,13,13,13 "$B/bench-profile" \
      /tmp/m-$m.gguf 0 20 embed 2>&1 | tail -18
  done
  echo "== bench-mm"
  for s in "2560 2560" "2560 7680" "2560 10240" "10240 2560"; do
    BENCH_MM_TYPES=f16,q4_K,q6_K "$B/bench-mm" $s 512 124 | grep -v "^NVIDIA"
  done
} 2>&1 | tee "$OUT/s23a.txt"
