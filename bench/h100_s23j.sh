#!/bin/bash
# bench/h100_s23j.sh - session 23: rows a lane group / units in flight / lanes for the other
# q4_K decode shapes (Wo 2560 x 2560, r|k stack 2560 x 5120, r|k|v 2560 x 7680, FFN key 2560 x
# 10240), weights from memory, two rounds after bench-mm's untimed loop (06da2a7).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  export BENCH_MM_TYPES=q4_K
  export BENCH_MM_CFGS="def:;n1u1:RWKV_MM_NR=1,RWKV_MM_UNR=1;n1u2:RWKV_MM_NR=1,RWKV_MM_UNR=2;n2u1:RWKV_MM_NR=2,RWKV_MM_UNR=1;n2u2:RWKV_MM_NR=2,RWKV_MM_UNR=2;n3u1:RWKV_MM_NR=3,RWKV_MM_UNR=1;n4u1:RWKV_MM_NR=4,RWKV_MM_UNR=1;l32n2:RWKV_MM_LANES=32,RWKV_MM_NR=2,RWKV_MM_UNR=1;l64:RWKV_MM_LANES=64;def2:"
  for r in 1 2; do
    BENCH_MM_COPIES=40 "$B/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=20 "$B/bench-mm" 2560 5120 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=12 "$B/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
  done
} 2>&1 | tee "$OUT/s23j.txt"
