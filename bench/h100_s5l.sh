#!/bin/bash
# bench/h100_s5l.sh - session 5: preloaded float decode units for K and M >= 2048 (this build's
# default) against RWKV_MM_PRE=0, interleaved.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_forward
  decode_sweep 3 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" "RWKV_MM_PRE=0"
} 2>&1 | tee "$OUT/s5l.txt"
