#!/bin/bash
# bench/h100_s10h.sh - session 10: the FFN key's K-quant matvec (2560 x 10240) runs 640
# workgroups of which 528 (q4_K) / 396 (q6_K) fit at once: rows per lane group (NR) and units
# in flight (UNR) that make one wave, with the occupancy probe; bench-mm from memory.
set -u
. bench/h100_env.sh
{
  export BENCH_MM_TYPES=q4_K,q6_K
  export BENCH_MM_CFGS="def:;nr5:RWKV_MM_NR=5;nr6:RWKV_MM_NR=6;nr8:RWKV_MM_NR=8;nr5u1:RWKV_MM_NR=5,RWKV_MM_UNR=1;nr4u1:RWKV_MM_UNR=1;nr8u1:RWKV_MM_NR=8,RWKV_MM_UNR=1;wg128:RWKV_MM_WG=128,RWKV_MM_NR=8"
  for r in 1 2; do
    BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
  done
  BENCH_MM_OCC=1 BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=12 "$B/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
} 2>&1 | tee "$OUT/s10h.txt"
