#!/bin/bash
# bench/h100_s19c.sh - session 19: 8 x 8 register tiles in long prefills for bf16 / q8_0 / q4_0
# / q4_1 rows too: the GPU tests, q4_1 in bench-mm against the old 4 x 8 tile, and the 2.9B
# Q8_0 model's figures against the session's first build (55bdf7c, $BASE), interleaved.
set -u
. bench/h100_env.sh
BASE=${BASE:-build-h100b}
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  RWKV_TEST_PART=2 gpu_tests test_matmul
  gpu_tests test_quant_model test_forward
  export BENCH_MM_CFGS="default:;old:RWKV_MM_RQ=1,RWKV_MM_NQ=2"
  for sh in "2560 10240" "10240 2560" "2560 7680"; do
    BENCH_MM_TYPES=q4_1,q8_0 "$B/bench-mm" $sh 512 1024 | grep -v "^NVIDIA"
  done
  unset BENCH_MM_CFGS
  gen_models 2.9b-q8_0
  figures_ab 2 "2.9b-q8_0" @$BASE ""
} 2>&1 | tee "$OUT/s19c.txt"
