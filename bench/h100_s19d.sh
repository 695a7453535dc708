#!/bin/bash
# bench/h100_s19d.sh - session 19: can the K-quants take 8 x 8 register tiles without
# spilling (q5_K spilled with RQ 2 NQ 2 KU 16: 1029 -> 13324 us)? Less staging per slice (BK 8:
# one unit a thread), less code (KU 8 / 4 / 2 / 1), warp-shaped tiles; bench-mm, us at T = 512
# / 1024, against the defaults (4 x 8, KU 16).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  R="RWKV_MM_RQ=2,RWKV_MM_NQ=2"
  export BENCH_MM_CFGS="default:;bk8:$R,RWKV_MM_BK=8,RWKV_MM_KU=8;bk8swz:$R,RWKV_MM_BK=8,RWKV_MM_KU=8,RWKV_MM_SWZ=1;ku4:$R,RWKV_MM_KU=4;ku2:$R,RWKV_MM_KU=2;ku1:$R,RWKV_MM_KU=1;bk8ku1:$R,RWKV_MM_BK=8,RWKV_MM_KU=1"
  for sh in "2560 10240" "10240 2560"; do
    BENCH_MM_TYPES=q4_K,q6_K "$B/bench-mm" $sh 512 1024 | grep -v "^NVIDIA"
  done
} 2>&1 | tee "$OUT/s19d.txt"
