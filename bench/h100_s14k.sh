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
  for m in 2.9b-q4_k_m 0.1b-f16; do
    for r in 1 2 3 4 5; do
      for v in "" RWKV_UPLOAD_SLOT_MB=32 RWKV_UPLOAD_SLOT_MB=48; do
        echo "-- $m first load ${v:-64}"
        # shellcheck disable=SC2086
        env $v "$B/rwkv-loadtime" /tmp/m-$m.gguf 1 2>&1 | grep -A2 "^load 0" | grep -v "programs:"
      done
    done
  done
  load_sweep 2 2.9b-q4_k_m 3 "" RWKV_UPLOAD_SLOT_MB=32
} 2>&1 | tee "$OUT/s14k.txt"
