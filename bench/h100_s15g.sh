#!/bin/bash
# bench/h100_s15g.sh - session 15 (needs 9c10266): upload-ring slots after the first made when the ring first
# reaches them (RWKV_UPLOAD_LAZY_SLOTS=1), so that their pinning can overlap the copies out of
# the first, against all three made up front: first loads in fresh processes (eight interleaved
# rounds per model) and repeated loads; the context's parts (rwkv-loadtime "context:").
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_gpu
  RWKV_UPLOAD_LAZY_SLOTS=1 "$B/test_gpu" 2>&1 | tail -1
  gen_models 2.9b-q4_k_m 0.1b-f16
  for m in 2.9b-q4_k_m 0.1b-f16; do "$B/rwkv-loadtime" /tmp/m-$m.gguf 1 > /dev/null 2>&1; done
  for m in 2.9b-q4_k_m 0.1b-f16; do
    for ((r = 0; r < 8; r++)); do
      for v in "" RWKV_UPLOAD_LAZY_SLOTS=1; do
        echo "-- $m first load ${v:-default}"
        env $v "$B/rwkv-loadtime" "/tmp/m-$m.gguf" 1 2>&1 | grep -A3 "^load 0" | grep -v "programs:"
      done
    done
  done
  echo "== repeated loads in one process"
  for ((r = 0; r < 3; r++)); do
    for v in "" RWKV_UPLOAD_LAZY_SLOTS=1; do
      echo "-- 2.9b-q4_k_m x4 ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 2>&1 | grep -E "^load|uploads:"
    done
  done
} 2>&1 | tee "$OUT/s15g.txt"
