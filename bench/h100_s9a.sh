#!/bin/bash
# bench/h100_s9a.sh - session 9: the decode WKV kernel with all four invocations of a channel
# walking S (WKV_QUAD, the default now) against one walker a row (RWKV_WKV_QUAD=0), decode
# interleaved in one process order; the warm repeat of the WKV step (RWKV_TWICE=wkv) both ways;
# a warm-load breakdown of the 2.9B Q4_K_M; GPU tests of the touched kernels.
set -u
. bench/h100_env.sh
{
  gpu_tests test_wkv test_forward test_lnfuse
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  decode_sweep 3 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" "RWKV_WKV_QUAD=0" ""
  decode_sweep 1 "0.1b-f16 2.9b-q4_k_m" "RWKV_WKV_QUAD=0 RWKV_TWICE=wkv" "RWKV_TWICE=wkv"
  load_sweep 1 2.9b-q4_k_m 6 ""
} 2>&1 | tee "$OUT/s9a.txt"
