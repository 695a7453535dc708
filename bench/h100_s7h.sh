#!/bin/bash
# bench/h100_s7h.sh - session 7: how many workgroups of each matmul kernel are resident at
# once (bench-mm BENCH_MM_OCC=1; 132 SMs), for the tiled prefill kernel under several tile
# settings and for the decode kernels.
set -u
. bench/h100_env.sh
{
  BENCH_MM_OCC=1 BENCH_MM_TYPES=f16,q4_K,q6_K BENCH_MM_CFGS="default:;bk8:RWKV_MM_BK=8;pf:RWKV_MM_PF=1;db:RWKV_MM_DB=1;bt128:RWKV_MM_BT=128;bm64:RWKV_MM_BM=64;rq2nq1:RWKV_MM_RQ=2,RWKV_MM_NQ=1;nq1:RWKV_MM_NQ=1" \
    "$B/bench-mm" 2560 10240 1 512
  BENCH_MM_OCC=1 BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 10240 2560 1 512
} 2>&1 | tee "$OUT/s7h.txt"
