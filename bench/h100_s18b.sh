#!/bin/bash
# bench/h100_s18b.sh - session 18: r / k / v and the LoRA first stages as one batch whose
# split-K reduces wait for one barrier (rwkv_mm_batch) against each split reduced at once
# (RWKV_MM_BATCH=0): the GPU tests, rwkv-bench's figures interleaved, the 10 fields' batch
# profiled (BENCH_LENS).
set -u
. bench/h100_env.sh
L=13,10,14,8,12,16,12,13,13,13
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_matmul test_forward test_quant_model test_lnfuse test_generate
  gen_models 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16" "" RWKV_MM_BATCH=0
  figures_ab 1 "1.5b-q4_k_m" "" RWKV_MM_BATCH=0
  for m in 2.9b-q4_k_m; do
    for v in "" RWKV_MM_BATCH=0; do
      echo "== $m fields batch ${v:-default}"
      env $v BENCH_LENS=$L RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 1 8 embed 2>&1 | tail -16
    done
  done
} 2>&1 | tee "$OUT/s18b.txt"
