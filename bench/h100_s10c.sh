#!/bin/bash
# bench/h100_s10c.sh - session 10: HALF with 4 x 4 register tiles (RWKV_MM_NQ=1: 16 f32 + 8
# f16-pair accumulators, fewer registers than the f32 4 x 8 tile) against the f32 default.
set -u
. bench/h100_env.sh
{
  export BENCH_MM_CFGS="h0:RWKV_MM_HALF=0;h0n1:RWKV_MM_HALF=0,RWKV_MM_NQ=1;h1n1:RWKV_MM_HALF=1,RWKV_MM_NQ=1;h1n1bt32:RWKV_MM_HALF=1,RWKV_MM_NQ=1,RWKV_MM_BT=32;h1n1bk32:RWKV_MM_HALF=1,RWKV_MM_NQ=1,RWKV_MM_BK=32;h1bm64:RWKV_MM_HALF=1,RWKV_MM_BM=64,RWKV_MM_BK=32"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 2560 10240 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 10240 2560 512 2>&1 | grep -v "^NVIDIA"
} 2>&1 | tee "$OUT/s10c.txt"
