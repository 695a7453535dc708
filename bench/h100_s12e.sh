#!/bin/bash
# bench/h100_s12e.sh - session 12: small buffers packed by the filler thread alone instead of
# the pool (RWKV_UPLOAD_SOLO_KB: below that size; 0 = never), warm 2.9B Q4_K_M loads; and the
# decode chain's flush interval again (RWKV_SYNC=flush:N, none; default flush:4). SOLO_KB was
# measured at a807d78 and dropped after (1024: equal, 4096: slower).
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 2 > /dev/null
  load_sweep 3 2.9b-q4_k_m 3 "" RWKV_UPLOAD_SOLO_KB=1024 RWKV_UPLOAD_SOLO_KB=4096
  decode_sweep 2 "2.9b-q4_k_m 0.1b-f16 2.9b-f16" "" RWKV_SYNC=flush:1 RWKV_SYNC=flush:2 RWKV_SYNC=flush:8 RWKV_SYNC=none
} 2>&1 | tee "$OUT/s12e.txt"
python3 bench/load_summary.py "$OUT/s12e.txt"
