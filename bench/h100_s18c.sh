#!/bin/bash
# bench/h100_s18c.sh (needs 0151b45) - session 18: split K summed by each tile's last piece
# (RWKV_MM_FIX, the default in 0151b45, reverted in f0ed6c8) against the reduce dispatch, with
# and without the r/k/v + LoRA-1 batch: the GPU tests, rwkv-bench's figures interleaved (2.9B
# Q4_K_M / F16, 1.5B and 0.1B), the fields batch and pp512 profiled (BENCH_LENS).
set -u
. bench/h100_env.sh
L=13,10,14,8,12,16,12,13,13,13
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_matmul test_forward test_quant_model test_lnfuse test_generate test_wkv
  gen_models 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m 0.1b-f16
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16" "" RWKV_MM_FIX=0 "RWKV_MM_FIX=0 RWKV_MM_BATCH=0"
  figures_ab 1 "1.5b-q4_k_m 0.1b-f16" "" RWKV_MM_FIX=0 "RWKV_MM_FIX=0 RWKV_MM_BATCH=0"
  for m in 2.9b-q4_k_m 2.9b-f16; do
    echo "== $m fields batch"
    BENCH_LENS=$L RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 1 8 embed 2>&1 | tail -16
    echo "== $m pp512"
    RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 512 4 embed 2>&1 | tail -16
  done
} 2>&1 | tee "$OUT/s18c.txt"
