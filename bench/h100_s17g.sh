#!/bin/bash
# bench/h100_s17g.sh - session 17: the written-out k loop on the smaller presets (0.1B pp512
# read 56137 tok/s in s16's final run, 54515 in s17's): bench-mm of the 0.1B's f16 shapes, then
# old defaults against new on 0.1B / 0.4B F16 and 1.5B Q4_K_M, interleaved in one call.
set -u
. bench/h100_env.sh
OLD="RWKV_MM_KU=1 RWKV_MM_RQ=1 RWKV_MM_NQ=2 RWKV_MM_SWZ=1"
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  export BENCH_MM_CFGS="old:RWKV_MM_KU=1,RWKV_MM_RQ=1,RWKV_MM_NQ=2;def:;k16r1n2:RWKV_MM_KU=16,RWKV_MM_RQ=1,RWKV_MM_NQ=2;k1r2n1:RWKV_MM_KU=1,RWKV_MM_RQ=2,RWKV_MM_NQ=1;oldb:RWKV_MM_KU=1,RWKV_MM_RQ=1,RWKV_MM_NQ=2;defb:"
  for s in "768 768" "768 3072" "3072 768" "1024 4096" "4096 1024"; do
    # shellcheck disable=SC2086 # s is K and M
    BENCH_MM_TYPES=f16 "$B/bench-mm" $s 512 124 2>&1 | grep -v "^NVIDIA"
  done
  unset BENCH_MM_CFGS
  gen_models 0.1b-f16 0.4b-f16 1.5b-q4_k_m
  figures_ab 2 "0.1b-f16 0.4b-f16 1.5b-q4_k_m" "$OLD" ""
} 2>&1 | tee "$OUT/s17g.txt"
