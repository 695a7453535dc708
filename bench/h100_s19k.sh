#!/bin/bash
# bench/h100_s19k.sh - session 19's last call: the GPU tests at the split-K slice rule's commit.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_forward test_quant_model test_wkv test_generate test_lnfuse test_gpu
  RWKV_TEST_PART=2 gpu_tests test_matmul
} 2>&1 | tee "$OUT/s19k.txt"
