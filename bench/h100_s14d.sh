#!/bin/bash
# bench/h100_s14d.sh - session 14: the argmax over several workgroups against one
# (RWKV_ARGMAX_WGS=1) in rwkv-bench's greedy decode (tg128), three interleaved rounds, with the
# GPU tests that touch it.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_gpu test_generate
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  bench_sweep 3 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" "--repeat 5 --prefill 64 --decode 128 --doc 64" \
    'tg128|FNV' "" "RWKV_ARGMAX_WGS=1"
} 2>&1 | tee "$OUT/s14d.txt"
