#!/bin/bash
# bench/h100_s14g.sh - session 14: the first load in a process (what a user's script pays)
# against later ones: rwkv-loadtime MODEL 1 in fresh processes, with the embedding and head
# through bigger ring slots (RWKV_UPLOAD_SLOT_MB=160 / 256: both fit a slot, no mapped
# buffers) against the default 64 MB slots (they are mapped), four interleaved rounds; then
# warm-process loads (rwkv-loadtime MODEL 3) of the same variants.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 0.1b-f16
  first_loads 4 "2.9b-q4_k_m 0.1b-f16" "" RWKV_UPLOAD_SLOT_MB=160 RWKV_UPLOAD_SLOT_MB=256
  load_sweep 2 2.9b-q4_k_m 3 "" RWKV_UPLOAD_SLOT_MB=160 RWKV_UPLOAD_SLOT_MB=256
} 2>&1 | tee "$OUT/s14g.txt"
