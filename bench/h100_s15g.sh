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
  warm_loads 2.9b-q4_k_m 0.1b-f16
  first_loads 8 "2.9b-q4_k_m 0.1b-f16" "" RWKV_UPLOAD_LAZY_SLOTS=1
  echo "== repeated loads in one process"
  repeat_loads 3 2.9b-q4_k_m 4 "" RWKV_UPLOAD_LAZY_SLOTS=1
} 2>&1 | tee "$OUT/s15g.txt"
