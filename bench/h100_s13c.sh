#!/bin/bash
# bench/h100_s13c.sh - session 13: h100_s13b.sh's closest pairs again with more loads: queued
# programs built in the uploads' waits (default) against built at once (RWKV_PROGRAM_SOON=0), and
# streaming stores (RWKV_UPLOAD_NT=1); eight interleaved rounds of three warm loads, 2.9B Q4_K_M
# and F16, four for the 0.1B F16.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    "$B/rwkv-loadtime" /tmp/m-$m.gguf 2 > /dev/null
    n=8; [ $m = 0.1b-f16 ] && n=4
    load_sweep $n $m 3 "" RWKV_PROGRAM_SOON=0 RWKV_UPLOAD_NT=1
  done
} 2>&1 | tee "$OUT/s13c.txt"
python3 bench/load_summary.py "$OUT/s13c.txt"
