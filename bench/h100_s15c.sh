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
  warm_loads 2.9b-q4_k_m 0.1b-f16
  first_loads 6 "2.9b-q4_k_m 0.1b-f16" "${VS[@]}"
  echo "== repeated loads in one process"
  repeat_loads 3 2.9b-q4_k_m 4 "${VS[@]}"
} 2>&1 | tee "$OUT/s15c.txt"
