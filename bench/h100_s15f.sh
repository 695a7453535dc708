#!/bin/bash
# bench/h100_s15f.sh - session 15: decode knobs re-measured on today's kernels (each last
# measured sessions ago): the layer-norm prologues (RWKV_LN_FUSE=1; session 2: a loss), the
# layer kernel (RWKV_PERSIST=1, F16 only; session 10: 3% for the 0.1B), the flush cadence
# (RWKV_SYNC). decode_sweep: ms a token, three interleaved rounds after a warm-up.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  decode_sweep 3 "0.1b-f16" "" RWKV_LN_FUSE=1 RWKV_PERSIST=1 RWKV_SYNC=flush:2 RWKV_SYNC=flush:12 RWKV_SYNC=none
  decode_sweep 3 "2.9b-q4_k_m 2.9b-f16" "" RWKV_LN_FUSE=1 RWKV_SYNC=flush:8
} 2>&1 | tee "$OUT/s15f.txt"
