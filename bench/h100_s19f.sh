#!/bin/bash
# bench/h100_s19f.sh - session 19: 8 x 8 tiles for the Q4_K_M's FFN value rows in long prefills
# (q4_K rows of K >= 2 M with their block words shared, q6_K with BK 8): the GPU tests, then the
# 2.9B Q4_K_M figures against the session's first build (55bdf7c, $BASE), interleaved.
set -u
. bench/h100_env.sh
BASE=${BASE:-build-h100b}
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  RWKV_TEST_PART=2 gpu_tests test_matmul
  gpu_tests test_quant_model test_forward
  gen_models 2.9b-q4_k_m
  figures_ab 2 "2.9b-q4_k_m" @$BASE ""
} 2>&1 | tee "$OUT/s19f.txt"
