#!/bin/bash
# bench/h100_s23h.sh - session 23: the K-quant FFN value matvec (10240 x 2560, one row a lane
# group: every x load serves one row) with more rows a lane group / other lane counts, q4_K and
# q6_K, then the winners in the model (RWKV_MM_* apply to every matvec there: read with care).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  export BENCH_MM_TYPES=q4_K,q6_K
  export BENCH_MM_CFGS="def:;n2u1:RWKV_MM_NR=2,RWKV_MM_UNR=1;n2u2:RWKV_MM_NR=2,RWKV_MM_UNR=2;n4u1:RWKV_MM_NR=4,RWKV_MM_UNR=1;n4u2:RWKV_MM_NR=4,RWKV_MM_UNR=2;l32n2:RWKV_MM_LANES=32,RWKV_MM_NR=2,RWKV_MM_UNR=2;l128:RWKV_MM_LANES=128,RWKV_MM_NR=1,RWKV_MM_UNR=2;l128n2:RWKV_MM_LANES=128,RWKV_MM_NR=2,RWKV_MM_UNR=1;def2:"
  for r in 1 2; do
    BENCH_MM_COPIES=10 "$B/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
  done
} 2>&1 | tee "$OUT/s23h.txt"
