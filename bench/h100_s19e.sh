#!/bin/bash
# bench/h100_s19e.sh - session 19: the K-quants' block words loaded once per invocation when
# its units are one row's (matmul.comp MT_SHARE: WGT == BM, as in the 8 x 8 tiles): does
# q4_K / q5_K / q6_K then take 8 x 8 tiles without spilling? bench-mm, us at T = 124 / 512 /
# 1024, against the defaults (4 x 8, KU 16; unchanged code) and q6_K's BK 8 (h100_s19d.sh).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  R="RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_KU=16"
  export BENCH_MM_CFGS="default:;r2n2:$R;r2n2swz:$R,RWKV_MM_SWZ=1;bk8:$R,RWKV_MM_BK=8,RWKV_MM_KU=8"
  for sh in "2560 10240" "10240 2560" "2560 5120"; do
    BENCH_MM_TYPES=q4_K,q5_K,q6_K "$B/bench-mm" $sh 124 512 1024 | grep -v "^NVIDIA"
  done
} 2>&1 | tee "$OUT/s19e.txt"
