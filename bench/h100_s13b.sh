#!/bin/bash
# bench/h100_s13b.sh - session 13: the queued programs' placement (RWKV_PROGRAM_SOON=0 none, 1
# every wait (default), 2 ring waits only) and streaming stores for the uploads (RWKV_UPLOAD_NT=1):
# rwkv-loadtime, four interleaved rounds of three warm loads each, 2.9B Q4_K_M and F16, 0.1B F16.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    "$B/rwkv-loadtime" /tmp/m-$m.gguf 2 > /dev/null
    load_sweep 4 $m 3 "" RWKV_PROGRAM_SOON=0 RWKV_PROGRAM_SOON=2 RWKV_UPLOAD_NT=1 "RWKV_UPLOAD_NT=1 RWKV_PROGRAM_SOON=2"
  done
} 2>&1 | tee "$OUT/s13b.txt"
python3 bench/load_summary.py "$OUT/s13b.txt"
