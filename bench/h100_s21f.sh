#!/bin/bash
# bench/h100_s21f.sh - session 21: the f16 split-K table (matmul.c SPLIT_KM_F16: the 2.9B's
# r/k/v, Wo and FFN value in fewer pieces in passes of 3..8 token tiles) against none
# (RWKV_MM_SPLIT_KM set empty), rwkv-bench interleaved; test_forward / test_quant_model.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_forward test_quant_model
  gen_models 2.9b-f16 2.9b-q4_k_m 0.1b-f16
  for m in 2.9b-f16 2.9b-q4_k_m; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  figures_ab 2 "2.9b-f16" "" RWKV_MM_SPLIT_KM=
  figures_ab 1 "2.9b-q4_k_m 0.1b-f16" "" RWKV_MM_SPLIT_KM=
} 2>&1 | tee "$OUT/s21f.txt"
