#!/bin/bash
# bench/h100_s20f.sh - session 20: the short passes' split-K target (RWKV_MM_SPLIT_MIN_SMALL,
# default 1056) at 264 / 396 / 528 / 660 on four models, rwkv-bench interleaved, two rounds;
# test_forward and test_quant_model on the GPU with 528.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m 0.1b-f16 1.5b-q4_k_m
  for m in 2.9b-f16 2.9b-q4_k_m 0.1b-f16 1.5b-q4_k_m; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  RWKV_MM_SPLIT_MIN_SMALL=528 gpu_tests test_forward test_quant_model
  figures_ab 2 "2.9b-f16 2.9b-q4_k_m 0.1b-f16 1.5b-q4_k_m" "" RWKV_MM_SPLIT_MIN_SMALL=264 RWKV_MM_SPLIT_MIN_SMALL=396 RWKV_MM_SPLIT_MIN_SMALL=528 RWKV_MM_SPLIT_MIN_SMALL=660
} 2>&1 | tee "$OUT/s20f.txt"
