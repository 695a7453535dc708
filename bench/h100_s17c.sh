#!/bin/bash
# bench/h100_s17c.sh - session 17: the written-out k loop (RWKV_MM_KU=16) for every weight type
# (bench-mm, one process: the loop as it was, KU 16, KU 16 with 8 x 4 and 8 x 8 register tiles),
# then the 2.9B Q4_K_M, F16 and Q8_0 models with the candidates for their types.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== bench-mm tiled, every type"
  export BENCH_MM_CFGS="ku1:RWKV_MM_KU=1;ku16:RWKV_MM_KU=16;ku16r2n1:RWKV_MM_KU=16,RWKV_MM_RQ=2,RWKV_MM_NQ=1;ku16r2n2:RWKV_MM_KU=16,RWKV_MM_RQ=2,RWKV_MM_NQ=2;ku1b:RWKV_MM_KU=1;ku16b:RWKV_MM_KU=16"
  BENCH_MM_TYPES=f32,bf16,q8_0,q4_0,q4_1,q5_0,q5_1,q2_K,q3_K,q5_K "$B/bench-mm" 2560 10240 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16,q4_K,q6_K "$B/bench-mm" 2560 7680 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 2560 2560 512 124 2>&1 | grep -v "^NVIDIA"
  unset BENCH_MM_CFGS
  gen_models 2.9b-q4_k_m 2.9b-f16 2.9b-q8_0
  figures_ab 2 2.9b-q4_k_m "RWKV_MM_KU=1" "RWKV_MM_KU=16" "RWKV_MM_KU=16 RWKV_MM_RQ=2 RWKV_MM_NQ=1"
  figures_ab 2 2.9b-f16 "RWKV_MM_KU=1" "RWKV_MM_KU=16 RWKV_MM_RQ=2 RWKV_MM_NQ=1" "RWKV_MM_KU=16 RWKV_MM_RQ=2 RWKV_MM_NQ=2"
  figures_ab 2 2.9b-q8_0 "RWKV_MM_KU=1" "RWKV_MM_KU=16"
} 2>&1 | tee "$OUT/s17c.txt"
