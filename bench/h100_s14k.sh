#!/bin/bash
# bench/h100_s14k.sh - session 14: ring slot size for first loads now that the embedding and
# head go through the ring in pieces: RWKV_UPLOAD_SLOT_MB=32 / 48 against the default 64, first
# loads in fresh processes (rwkv-loadtime MODEL 1, five interleaved rounds), then repeated loads.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 0.1b-f16
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 > /dev/null 2>&1; "$B/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 1 > /dev/null 2>&1
  first_loads 5 "2.9b-q4_k_m 0.1b-f16" "" RWKV_UPLOAD_SLOT_MB=32 RWKV_UPLOAD_SLOT_MB=48
  load_sweep 2 2.9b-q4_k_m 3 "" RWKV_UPLOAD_SLOT_MB=32
} 2>&1 | tee "$OUT/s14k.txt"
