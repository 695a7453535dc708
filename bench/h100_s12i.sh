#!/bin/bash
# bench/h100_s12i.sh - session 12: pieces only for big weights? Warm loads with 8 MiB pieces for
# every weight (default), for weights of 32 MiB or more (RWKV_UPLOAD_PIECE_MIN_MB=32: the F16
# FFN matrices, none of the Q4_K_M's), and none (RWKV_UPLOAD_PIECE_MB=0); four rounds of three
# loads, 2.9B Q4_K_M and F16 (run at 0774f7d, where the threshold's default was 0; 32 after).
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16; do
    "$B/rwkv-loadtime" /tmp/m-$m.gguf 2 > /dev/null
    load_sweep 4 $m 3 RWKV_UPLOAD_PIECE_MIN_MB=0 RWKV_UPLOAD_PIECE_MIN_MB=32 RWKV_UPLOAD_PIECE_MB=0
  done
} 2>&1 | tee "$OUT/s12i.txt"
python3 bench/load_summary.py "$OUT/s12i.txt"
