#!/bin/bash
# bench/h100_s14b.sh - session 14: the 2.9B's small prefill matmuls (LoRA second stages K = 64 /
# 96 / 320 into 2560 rows, the LoRA-1 stack 2560 -> 480, w1 2560 -> 96 in F32, Wo) at the field
# batch's T = 124 and at 512, under tile / kernel variants in one process (BENCH_MM_CFGS).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  export BENCH_MM_CFGS="def:;bm64:RWKV_MM_BM=64;bt32:RWKV_MM_BT=32;bm64bt32:RWKV_MM_BM=64,RWKV_MM_BT=32;pf:RWKV_MM_PF=1;tt8:RWKV_MM_TT=8;tt16:RWKV_MM_TT=16;nosplit:RWKV_MM_SPLITK=1;def2:"
  for s in "96 2560" "64 2560" "320 2560" "2560 480" "2560 96" "2560 2560"; do
    echo "-- K M = $s"
    # shellcheck disable=SC2086
    BENCH_MM_TYPES=f16,f32 "$B/bench-mm" $s 124 512 2>&1 | grep -v "^NVIDIA"
  done
  unset BENCH_MM_CFGS
} 2>&1 | tee "$OUT/s14b.txt"
