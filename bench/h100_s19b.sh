#!/bin/bash
# bench/h100_s19b.sh - session 19: the GPU tests at 0b6fc54 (f16 8 x 8 tiles in long prefills),
# the 2.9B F16 figures against the session's first build (55bdf7c, $BASE), interleaved, and
# 8 x 8 tiles for the other simple row types (bench-mm, T = 124 / 512 / 1024).
set -u
. bench/h100_env.sh
BASE=${BASE:-build-h100b}
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_gpu test_forward test_quant_model test_generate test_wkv test_lnfuse test_faults
  RWKV_TEST_PART=2 gpu_tests test_matmul
  gen_models 2.9b-f16
  figures_ab 2 "2.9b-f16" @$BASE ""
  export BENCH_MM_CFGS="default:;r2n2:RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_KU=16"
  for sh in "2560 10240" "10240 2560"; do
    BENCH_MM_TYPES=q8_0,q4_0,bf16,q5_K "$B/bench-mm" $sh 124 512 1024 | grep -v "^NVIDIA"
  done
} 2>&1 | tee "$OUT/s19b.txt"
