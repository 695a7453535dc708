#!/bin/bash
# bench/h100_s16i.sh - session 16: what the WKV scan's time is made of after this session's
# changes (RWKV_WKV_SCAN_CUT as in h100_s16c.sh: 1 no row sums, 2 no chunk loads, 4 no output
# stores, 8 no token steps; garbage out), wkv us a layer at pp512 (2.9B Q4_K_M), and row
# groups of 16 lanes with 4 rows a workgroup.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m
  "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 1 > /dev/null 2>&1
  for r in 1 2; do
    for c in 0 1 2 4 5 8 10; do echo "-- cut $c: wkv $(wkv_us 2.9b-q4_k_m RWKV_WKV_SCAN_CUT=$c) us"; done
    echo "-- rows 4: wkv $(wkv_us 2.9b-q4_k_m RWKV_WKV_ROWS=4) us"
  done
} 2>&1 | tee "$OUT/s16i.txt"
