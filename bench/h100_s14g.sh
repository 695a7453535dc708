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
  for m in 2.9b-q4_k_m 0.1b-f16; do
    for r in 1 2 3 4; do
      for v in "" RWKV_UPLOAD_SLOT_MB=160 RWKV_UPLOAD_SLOT_MB=256; do
        echo "-- $m first load ${v:-default}"
        # shellcheck disable=SC2086
        env $v "$B/rwkv-loadtime" /tmp/m-$m.gguf 1 2>&1 | grep -A2 "^load 0" | grep -v "programs:"
      done
    done
  done
  load_sweep 2 2.9b-q4_k_m 3 "" RWKV_UPLOAD_SLOT_MB=160 RWKV_UPLOAD_SLOT_MB=256
} 2>&1 | tee "$OUT/s14g.txt"
