#!/bin/bash
# bench/h100_s5e.sh - session 5: decode per token with the layer-norm prologue on the
# FFN key only / the time mix only / both / neither (RWKV_LN_FUSE=ffn|att|1|0), interleaved.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_lnfuse
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "RWKV_LN_FUSE=0" "RWKV_LN_FUSE=ffn" "RWKV_LN_FUSE=att" "RWKV_LN_FUSE=1"
} 2>&1 | tee "$OUT/s5e.txt"
