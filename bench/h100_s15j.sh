#!/bin/bash
# bench/h100_s15j.sh - session 15: the new ring (32 MB slots for the 2.9B models, the early slot
# switch) against 64 MB slots with it and the old ring (64 MB, RWKV_UPLOAD_EARLY_SWITCH=0):
# first loads in fresh processes (eight interleaved rounds for the Q4_K_M, three for the F16),
# loads repeated in one process, and rwkv-bench's load rows (three interleaved rounds).
set -u
. bench/h100_env.sh
VS=("" RWKV_UPLOAD_SLOT_MB=64 "RWKV_UPLOAD_SLOT_MB=64 RWKV_UPLOAD_EARLY_SWITCH=0")
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_gpu test_forward
  gen_models 2.9b-q4_k_m 2.9b-f16
  warm_loads 2.9b-q4_k_m 2.9b-f16
  for ((r = 0; r < 8; r++)); do
    for v in "${VS[@]}"; do
      first_load 2.9b-q4_k_m "$v"
      [ $r -lt 3 ] && first_load 2.9b-f16 "$v"
    done
  done
  echo "== repeated loads in one process"
  repeat_loads 3 2.9b-q4_k_m 4 "${VS[@]}"
  echo "== rwkv-bench"
  bench_sweep 3 "2.9b-q4_k_m" "--repeat 5 --prefill 16 --decode 0 --doc 16" 'load \(warm' "${VS[@]}"
} 2>&1 | tee "$OUT/s15j.txt"
