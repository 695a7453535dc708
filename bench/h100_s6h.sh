#!/bin/bash
# bench/h100_s6h.sh - session 6: the tiled kernel's token tile of 128 (RWKV_MM_BT=128) against
# the default 64 now that the 10 fields run 124 rows (one tile of 128 instead of two of 64),
# and K split more or less often for them (RWKV_MM_SPLIT_MIN), interleaved.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16
  bench_sweep 2 "2.9b-q4_k_m 2.9b-f16" "--repeat 5 --prefill 512 --decode 8 --doc 1024" \
    'fields|pp512 \(|doc state' "RWKV_MM_BT=64" "RWKV_MM_BT=128" "RWKV_MM_SPLIT_MIN=1056" "RWKV_MM_SPLIT_MIN=4224"
} 2>&1 | tee "$OUT/s6h.txt"
