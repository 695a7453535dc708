#!/bin/bash
# bench/h100_s12b.sh - session 12: where a warm 2.9B Q4_K_M load's upload time goes (the ring's
# packing time and rate, new in rwkv-loadtime) with the packing pool's threads and the ring's
# slot size varied, and rwkv-bench's loads (its notes: the same breakdown) beside rwkv-loadtime's.
set -u
. bench/h100_env.sh
{
  nproc
  gen_models 2.9b-q4_k_m
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 2 > /dev/null
  for r in 1 2; do
    for v in "" RWKV_UPLOAD_THREADS=16 RWKV_UPLOAD_THREADS=4 RWKV_UPLOAD_SLOT_MB=256; do
      echo "-- ${v:-default}"
      # shellcheck disable=SC2086
      env $v "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 | grep -A2 '^load [1-9]' | grep -v programs:
    done
  done
  "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --repeat 3 --prefill 16 --decode 0 --doc 16 2>&1 | grep 'load'
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 | grep '^load'
} 2>&1 | tee "$OUT/s12b.txt"
