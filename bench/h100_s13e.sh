#!/bin/bash
# bench/h100_s13e.sh - session 13: what the first passes after a load cost (rwkv-bench's load to
# the first token adds state 4.5 ms and a first token 11-15 ms against 4.8 for a second):
# LOADTIME_FIRST=1 rwkv-loadtime, four loads each of the 2.9B Q4_K_M and F16 and the 0.1B F16.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    echo "-- $m"
    LOADTIME_FIRST=1 "$B/rwkv-loadtime" /tmp/m-$m.gguf 4 | grep -E "^load|first"
  done
} 2>&1 | tee "$OUT/s13e.txt"
