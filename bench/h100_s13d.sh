#!/bin/bash
# bench/h100_s13d.sh - session 13: streaming stores into the ring slots only (RWKV_UPLOAD_NT=1), and
# with ring slots that are not client storage (RWKV_UPLOAD_CLIENT=0: the driver may place them
# in GPU memory, written over the bus, where streaming stores are what write-combining wants);
# rwkv-loadtime, interleaved rounds of three warm loads (2.9B Q4_K_M six, F16 and 0.1B F16 four).
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    "$B/rwkv-loadtime" /tmp/m-$m.gguf 2 > /dev/null
    n=4; [ $m = 2.9b-q4_k_m ] && n=6
    load_sweep $n $m 3 "" RWKV_UPLOAD_NT=1 "RWKV_UPLOAD_NT=1 RWKV_UPLOAD_CLIENT=0" RWKV_UPLOAD_CLIENT=0
  done
} 2>&1 | tee "$OUT/s13d.txt"
python3 bench/load_summary.py "$OUT/s13d.txt"
