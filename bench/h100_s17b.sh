#!/bin/bash
# bench/h100_s17b.sh - session 17: the tiled kernel's k loop written out KU steps a pass
# (RWKV_MM_KU) and NVIDIA's unroll-all pragma in the tiled kernel (RWKV_MM_UNROLL) against the
# plain loop: test_matmul with them on the GPU, bench-mm in one process, then the 2.9B Q4_K_M
# and F16 models' pp512 / document state / 10 fields.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== tests on the GPU"
  RWKV_MM_KU=16 gpu_tests test_matmul
  RWKV_MM_UNROLL=1 gpu_tests test_quant_model
  echo "== bench-mm tiled: k loop as it was (ku1) vs written out"
  export BENCH_MM_CFGS="ku1:RWKV_MM_KU=1;ku2:RWKV_MM_KU=2;ku4:RWKV_MM_KU=4;ku8:RWKV_MM_KU=8;ku16:RWKV_MM_KU=16;unr:RWKV_MM_UNROLL=1;ku16r2n2:RWKV_MM_KU=16,RWKV_MM_RQ=2,RWKV_MM_NQ=2;ku16r2n1:RWKV_MM_KU=16,RWKV_MM_RQ=2,RWKV_MM_NQ=1;ku16bk32:RWKV_MM_KU=16,RWKV_MM_BK=32;ku1b:RWKV_MM_KU=1;ku16b:RWKV_MM_KU=16"
  BENCH_MM_TYPES=f16,q4_K,q6_K "$B/bench-mm" 2560 10240 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 10240 2560 512 124 2>&1 | grep -v "^NVIDIA"
  unset BENCH_MM_CFGS
  gen_models 2.9b-q4_k_m 2.9b-f16
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16" RWKV_MM_KU=1 RWKV_MM_KU=4 RWKV_MM_KU=16 RWKV_MM_UNROLL=1
} 2>&1 | tee "$OUT/s17b.txt"
