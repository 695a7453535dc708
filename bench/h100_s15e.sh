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
  for m in 2.9b-q4_k_m 0.1b-f16 0.4b-f16; do "$B/rwkv-loadtime" /tmp/m-$m.gguf 1 > /dev/null 2>&1; done
  for m in 0.1b-f16 0.4b-f16 2.9b-q4_k_m; do
    for ((r = 0; r < 8; r++)); do
      VS=("" RWKV_UPLOAD_SLOT_MB=64)
      [ $m = 0.4b-f16 ] && VS=("" RWKV_UPLOAD_SLOT_MB=64 RWKV_UPLOAD_SLOT_MB=16)
      [ $m = 2.9b-q4_k_m ] && [ $r -ge 4 ] && break
      for v in "${VS[@]}"; do
        echo "-- $m first load ${v:-default}"
        env $v "$B/rwkv-loadtime" "/tmp/m-$m.gguf" 1 2>&1 | grep -A2 "^load 0" | grep -v "programs:"
      done
    done
  done
  echo "== repeated loads in one process"
  for ((r = 0; r < 3; r++)); do
    for v in "" RWKV_UPLOAD_SLOT_MB=64; do
      echo "-- 0.1b-f16 x4 ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 4 2>&1 | grep -E "^load|uploads:"
    done
  done
  echo "== rwkv-bench"
  bench_sweep 3 "0.1b-f16" "--repeat 5 --prefill 16 --decode 0 --doc 16" 'load' "" RWKV_UPLOAD_SLOT_MB=64
} 2>&1 | tee "$OUT/s15e.txt"
