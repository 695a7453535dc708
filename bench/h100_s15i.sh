#!/bin/bash
# bench/h100_s15i.sh - session 15: the ring's slot switch no longer issues the last buffer's
# copy before the next buffer is packed (fence owed; RWKV_UPLOAD_EARLY_SWITCH=0 is the old
# order), alone and with smaller slots: the GPU tests, first loads in fresh processes (six
# interleaved rounds), loads repeated in one process (three rounds of four).
set -u
. bench/h100_env.sh
VS=("" RWKV_UPLOAD_EARLY_SWITCH=0 RWKV_UPLOAD_SLOT_MB=32 "RWKV_UPLOAD_SLOT_MB=32 RWKV_UPLOAD_EARLY_SWITCH=0" RWKV_UPLOAD_SLOT_MB=16)
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_gpu test_forward test_quant_model
  gen_models 2.9b-q4_k_m 0.1b-f16 2.9b-f16
  warm_loads 2.9b-q4_k_m 0.1b-f16 2.9b-f16
  for ((r = 0; r < 6; r++)); do
    first_loads 1 2.9b-q4_k_m "${VS[@]}"
    first_loads 1 0.1b-f16 "" RWKV_UPLOAD_EARLY_SWITCH=0
  done
  first_loads 2 2.9b-f16 "" RWKV_UPLOAD_EARLY_SWITCH=0
  echo "== repeated loads in one process"
  repeat_loads 3 2.9b-q4_k_m 4 "${VS[@]}"
} 2>&1 | tee "$OUT/s15i.txt"
