#!/bin/bash
# bench/h100_s10l.sh - session 10: the heads' matvecs (0.1B: 768 x 65536 F16, 100 MB; 2.9B
# Q4_K_M: 2560 x 65536 Q6_K, 138 MB), read once a decoded token: rows a lane group, units in
# flight, lanes, loads first (PRE); bench-mm from memory (3 copies), occupancy.
set -u
. bench/h100_env.sh
{
  export BENCH_MM_CFGS="def:;n1:RWKV_MM_NR=1;n4:RWKV_MM_NR=4;u2:RWKV_MM_UNR=2;n4u2:RWKV_MM_NR=4,RWKV_MM_UNR=2;l64:RWKV_MM_LANES=64;pre:RWKV_MM_PRE=1;n4pre:RWKV_MM_NR=4,RWKV_MM_PRE=1"
  BENCH_MM_TYPES=f16 BENCH_MM_OCC=1 BENCH_MM_COPIES=3 "$B/bench-mm" 768 65536 1 | grep -v "^NVIDIA"
  for r in 1 2; do BENCH_MM_TYPES=f16 BENCH_MM_COPIES=3 "$B/bench-mm" 768 65536 1 | grep -v "^NVIDIA"; done
  export BENCH_MM_CFGS="def:;n2:RWKV_MM_NR=2;n5u1:RWKV_MM_NR=5,RWKV_MM_UNR=1;n4u2:RWKV_MM_UNR=2;n4u1:RWKV_MM_UNR=1;n8u2:RWKV_MM_NR=8,RWKV_MM_UNR=2;l32:RWKV_MM_LANES=32"
  BENCH_MM_TYPES=q6_K BENCH_MM_OCC=1 BENCH_MM_COPIES=3 "$B/bench-mm" 2560 65536 1 | grep -v "^NVIDIA"
  for r in 1 2; do BENCH_MM_TYPES=q6_K BENCH_MM_COPIES=3 "$B/bench-mm" 2560 65536 1 | grep -v "^NVIDIA"; done
} 2>&1 | tee "$OUT/s10l.txt"
