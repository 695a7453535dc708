#!/bin/bash
# bench/h100_s21e.sh - session 21: split-K pieces of at most 40 slices in short passes
# (RWKV_MM_SPLIT_PIECE_SMALL, default 40; 0 = the rule before) in rwkv-bench, interleaved, and
# the GPU tests that run whole models; F16 long passes with fewer pieces for r/k/v, Wo and the
# FFN value together (h100_s21d.sh had each alone).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_forward test_quant_model test_wkv
  gen_models 2.9b-f16 2.9b-q4_k_m 1.5b-q4_k_m 0.1b-f16
  for m in 2.9b-f16 2.9b-q4_k_m; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  figures_ab 2 "2.9b-f16 2.9b-q4_k_m" "" RWKV_MM_SPLIT_PIECE_SMALL=0
  figures_ab 1 "1.5b-q4_k_m 0.1b-f16" "" RWKV_MM_SPLIT_PIECE_SMALL=0
  figures_ab 2 "2.9b-f16" "" RWKV_MM_SPLIT_KM=2560:7680:0:4,2560:2560:0:8,10240:2560:0:8
} 2>&1 | tee "$OUT/s21e.txt"
