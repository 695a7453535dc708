#!/bin/bash
# bench/h100_s15a.sh - session 15 (needs 8ce2f86; reverted after s15b): the upload ring's host pages faulted in ahead of the packing
# (RWKV_UPLOAD_POPULATE=1 on the loading thread, =2 on a thread of its own for the later slots)
# against the default: first loads in fresh processes, five interleaved rounds, both models.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 0.1b-f16
  warm_loads 2.9b-q4_k_m 0.1b-f16
  first_loads 5 "2.9b-q4_k_m 0.1b-f16" "" RWKV_UPLOAD_POPULATE=1 RWKV_UPLOAD_POPULATE=2
  echo "== repeated loads in one process"
  repeat_loads 1 2.9b-q4_k_m 4 "" RWKV_UPLOAD_POPULATE=1 RWKV_UPLOAD_POPULATE=2
} 2>&1 | tee "$OUT/s15a.txt"
