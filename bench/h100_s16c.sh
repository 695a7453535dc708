#!/bin/bash
# bench/h100_s16c.sh - session 16: what the WKV scan's time is made of. RWKV_WKV_SCAN_CUT (1 no
# row sums, 2 no chunk loads, 4 no output stores, 8 no token steps; garbage out) for two row
# group shapes; the wkv step's GPU time (pre + scan + post, us a layer, RWKV_PROFILE) at
# pp512; and NVIDIA's intermediate assembly of the scan programs (asm.tgz).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m
  mkdir -p /tmp/cache
  RWKV_SHADER_CACHE=/tmp/cache "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 1 > /dev/null 2>&1
  RWKV_SHADER_CACHE=/tmp/cache RWKV_WKV_LANES=8 RWKV_WKV_ROWS=32 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 1 > /dev/null 2>&1
  nv_asm /tmp/cache
  for r in 1 2; do
    for shape in "RWKV_WKV_LANES=32 RWKV_WKV_ROWS=8" "RWKV_WKV_LANES=8 RWKV_WKV_ROWS=32"; do
      for c in 0 1 2 4 5 8 10; do
        # shellcheck disable=SC2086
        echo "-- $shape cut $c: wkv $(wkv_us 2.9b-q4_k_m $shape RWKV_WKV_SCAN_CUT=$c) us"
      done
    done
  done
} 2>&1 | tee "$OUT/s16c.txt"
