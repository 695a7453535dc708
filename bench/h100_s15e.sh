#!/bin/bash
# bench/h100_s15e.sh - session 15: the ring sized to the model (slots <= 1/16 of the file,
# 16..64 MB) against the old 64 MB slots (RWKV_UPLOAD_SLOT_MB=64): the GPU tests, first loads
# in fresh processes (0.1B F16 -> 16 MB slots, 0.4B F16 -> 32, 2.9B Q4_K_M -> 64 as before),
# loads repeated in one process, and rwkv-bench's load rows for the 0.1B.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_gpu test_forward test_generate
  gen_models 2.9b-q4_k_m 0.1b-f16 0.4b-f16
  warm_loads 2.9b-q4_k_m 0.1b-f16 0.4b-f16
  first_loads 8 0.1b-f16 "" RWKV_UPLOAD_SLOT_MB=64
  first_loads 8 0.4b-f16 "" RWKV_UPLOAD_SLOT_MB=64 RWKV_UPLOAD_SLOT_MB=16
  first_loads 4 2.9b-q4_k_m "" RWKV_UPLOAD_SLOT_MB=64
  echo "== repeated loads in one process"
  repeat_loads 3 0.1b-f16 4 "" RWKV_UPLOAD_SLOT_MB=64
  echo "== rwkv-bench"
  bench_sweep 3 "0.1b-f16" "--repeat 5 --prefill 16 --decode 0 --doc 16" 'load' "" RWKV_UPLOAD_SLOT_MB=64
} 2>&1 | tee "$OUT/s15e.txt"
