#!/bin/bash
# bench/h100_s16j.sh - session 16: would K-quant prefill gain from weights decoded to floats
# first? bench-mm us per dispatch of the tiled kernel for f32 / f16 / q4_K / q6_K rows, the
# 2.9B's prefill shapes at T = 512 and 1024 (default split rule).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  export BENCH_MM_TYPES=f32,f16,q4_K,q6_K
  for s in "10240 2560" "2560 10240" "2560 7680" "2560 2560"; do
    # shellcheck disable=SC2086
    "$B/bench-mm" $s 512 1024 | grep -v "^NVIDIA" | sed "s/^/$s  /"
  done
} 2>&1 | tee "$OUT/s16j.txt"
