#!/bin/bash
# bench/h100_s5f.sh - session 5: decode per token with the layer-norm prologue on a capped
# grid (RWKV_LN_FUSE=1, RWKV_PRO_WGS=0 / 132 / 264 / 528) against no prologue, interleaved.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_lnfuse test_forward
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "RWKV_LN_FUSE=0" "RWKV_LN_FUSE=1 RWKV_PRO_WGS=0" "RWKV_LN_FUSE=1 RWKV_PRO_WGS=132" "RWKV_LN_FUSE=1 RWKV_PRO_WGS=264" "RWKV_LN_FUSE=1 RWKV_PRO_WGS=528"
} 2>&1 | tee "$OUT/s5f.txt"
