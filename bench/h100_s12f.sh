#!/bin/bash
# bench/h100_s12f.sh - session 12: small buffers packed on the loading thread instead of being
# handed to the filler thread and back (RWKV_UPLOAD_INLINE_KB: below that size; 0 = never),
# warm loads of the 2.9B Q4_K_M / F16 and 0.1B F16, interleaved. Needs 6b13b8f (dropped after:
# the unhidden packing stayed at 59-66 ms, loads within the noise).
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    "$B/rwkv-loadtime" /tmp/m-$m.gguf 2 > /dev/null
    load_sweep 3 $m 3 "" RWKV_UPLOAD_INLINE_KB=1024 RWKV_UPLOAD_INLINE_KB=2048 RWKV_UPLOAD_INLINE_KB=4096
  done
} 2>&1 | tee "$OUT/s12f.txt"
python3 bench/load_summary.py "$OUT/s12f.txt"
