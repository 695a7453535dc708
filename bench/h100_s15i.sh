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
  for m in 2.9b-q4_k_m 0.1b-f16 2.9b-f16; do "$B/rwkv-loadtime" /tmp/m-$m.gguf 1 > /dev/null 2>&1; done
  for ((r = 0; r < 6; r++)); do
    for v in "${VS[@]}"; do
      echo "-- 2.9b-q4_k_m first load ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 2>&1 | grep -A2 "^load 0" | grep -v "programs:"
    done
    for v in "" RWKV_UPLOAD_EARLY_SWITCH=0; do
      echo "-- 0.1b-f16 first load ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 1 2>&1 | grep -A2 "^load 0" | grep -v "programs:"
    done
  done
  for ((r = 0; r < 2; r++)); do
    for v in "" RWKV_UPLOAD_EARLY_SWITCH=0; do
      echo "-- 2.9b-f16 first load ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-2.9b-f16.gguf 1 2>&1 | grep -A2 "^load 0" | grep -v "programs:"
    done
  done
  echo "== repeated loads in one process"
  for ((r = 0; r < 3; r++)); do
    for v in "${VS[@]}"; do
      echo "-- 2.9b-q4_k_m x4 ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 2>&1 | grep -E "^load|uploads:"
    done
  done
} 2>&1 | tee "$OUT/s15i.txt"
