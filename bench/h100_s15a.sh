#!/bin/bash
# bench/h100_s15a.sh - session 15 (needs 8ce2f86; reverted after s15b): the upload ring's host pages faulted in ahead of the packing
# (RWKV_UPLOAD_POPULATE=1 on the loading thread, =2 on a thread of its own for the later slots)
# against the default: first loads in fresh processes, five interleaved rounds, both models.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 0.1b-f16
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 > /dev/null 2>&1; "$B/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 1 > /dev/null 2>&1
  for m in 2.9b-q4_k_m 0.1b-f16; do
    for ((r = 0; r < 5; r++)); do
      for v in "" RWKV_UPLOAD_POPULATE=1 RWKV_UPLOAD_POPULATE=2; do
        echo "-- $m first load ${v:-default}"
        env $v "$B/rwkv-loadtime" "/tmp/m-$m.gguf" 1 2>&1 | grep -A3 "^load 0" | grep -v "programs:"
      done
    done
  done
  echo "== repeated loads in one process"
  for v in "" RWKV_UPLOAD_POPULATE=1 RWKV_UPLOAD_POPULATE=2; do
    echo "-- 2.9b-q4_k_m x4 ${v:-default}"
    env $v "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 2>&1 | grep "^load"
  done
} 2>&1 | tee "$OUT/s15a.txt"
