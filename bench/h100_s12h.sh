#!/bin/bash
# bench/h100_s12h.sh - session 12: the prefill knobs again on llama.cpp's LoRA layout (2.9B
# Q4_K_M): pp512, the 1024-token document state and 10 fields against r/k/v and LoRA-1 kept
# apart, split-K thresholds and caps, the tile's prefetch / BK / swizzle, the scan's staging.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m
  bench_sweep 2 "2.9b-q4_k_m" "--repeat 3 --prefill 512 --decode 0 --doc 1024" "pp512 \(|doc state|10 fields" \
    "" RWKV_OVERLAP=0 RWKV_MM_SPLIT_MIN_SMALL=528 RWKV_MM_SPLIT_MIN_SMALL=2112 RWKV_MM_SPLIT_MAX=8 \
    RWKV_MM_SPLIT_MAX=32 RWKV_MM_PF=1 RWKV_MM_BK=32 RWKV_MM_SWZ=0 RWKV_WKV_CH=16
} 2>&1 | tee "$OUT/s12h.txt"
