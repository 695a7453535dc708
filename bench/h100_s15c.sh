#!/bin/bash
# bench/h100_s15c.sh - session 15: what making the upload ring costs (rwkv-loadtime's new "ring
# start": the host buffers' storage and mapping, outside every other upload figure so far) and
# whether fewer or smaller slots pay in first loads in fresh processes (six interleaved rounds
# per model) and in loads repeated in one process (three rounds of four loads).
set -u
. bench/h100_env.sh
VS=("" RWKV_UPLOAD_SLOTS=2 RWKV_UPLOAD_SLOT_MB=32 "RWKV_UPLOAD_SLOTS=2 RWKV_UPLOAD_SLOT_MB=32" RWKV_UPLOAD_SLOTS=4)
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 0.1b-f16
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 > /dev/null 2>&1; "$B/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 1 > /dev/null 2>&1
  for m in 2.9b-q4_k_m 0.1b-f16; do
    for ((r = 0; r < 6; r++)); do
      for v in "${VS[@]}"; do
        echo "-- $m first load ${v:-default}"
        env $v "$B/rwkv-loadtime" "/tmp/m-$m.gguf" 1 2>&1 | grep -A2 "^load 0" | grep -v "programs:"
      done
    done
  done
  echo "== repeated loads in one process"
  for ((r = 0; r < 3; r++)); do
    for v in "${VS[@]}"; do
      echo "-- 2.9b-q4_k_m x4 ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 2>&1 | grep -E "^load|uploads:"
    done
  done
} 2>&1 | tee "$OUT/s15c.txt"
