#!/bin/bash
# bench/h100_s17f.sh - session 17's final call: the full session run (bench/h100_session.sh:
# GPU tests, rwkv-bench rows for RESULTS.md, profiles), then q4_K's plain thread tiles (the
# default now) against the warp-shaped ones (RWKV_MM_SWZ=1) on the 2.9B Q4_K_M model.
set -u
TITLE="H100 s17 final" CHANGE="tiled matmul: k loop written out (KU 16), f16 8x4 tiles, q4_K plain thread tiles" \
  bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
{
  for r in 1 2; do
    echo "-- 2.9b-q4_k_m SWZ=1: $(bench_figures 2.9b-q4_k_m RWKV_MM_SWZ=1)"
    echo "-- 2.9b-q4_k_m default: $(bench_figures 2.9b-q4_k_m)"
  done
} 2>&1 | tee "$OUT/s17f.txt"
