#!/bin/bash
# bench/h100_s7n.sh - session 7: cold loads (page cache dropped before each) with the
# default (populate only a file mostly out of the page cache), RWKV_PREFAULT=0 and =1,
# interleaved; then warm loads of the default.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 > /dev/null
  for r in 1 2 3; do
    for v in "" 0 1; do
      sync; echo 3 > /proc/sys/vm/drop_caches
      echo "-- cold RWKV_PREFAULT=${v:-default}: $(RWKV_PREFAULT=$v "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 | grep '^load 0' | cut -c1-150)"
    done
  done
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 6 | grep '^load'
} 2>&1 | tee "$OUT/s7n.txt"
