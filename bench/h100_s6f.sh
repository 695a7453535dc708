#!/bin/bash
# bench/h100_s6f.sh - session 6: the token map in the rows kernel as well; the GPU tests with
# the defaults and with the rows kernel for prefill (RWKV_MM_TILED=0), and the fields figure.
set -u
. bench/h100_env.sh
{
  gpu_tests test_forward test_wkv test_generate test_quant_model test_lnfuse
  for v in RWKV_MM_TILED=0 "RWKV_MM_TILED=0 RWKV_TOKEN_MAP=0"; do
    echo "-- $v: $(env $v RWKV_GPU_QUIET=1 $B/test_forward 2>&1 | tail -1) | $(env $v RWKV_GPU_QUIET=1 $B/test_wkv 2>&1 | tail -1)"
  done
  gen_models 2.9b-q4_k_m
  for v in RWKV_TOKEN_MAP=0 RWKV_TOKEN_MAP=1; do
    echo "-- $v: $(env $v "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 5 --prefill 64 --decode 8 --doc 64 2>&1 | grep -E 'fields' | sed 's/.*| \(.*\) |$/\1/')"
  done
} 2>&1 | tee "$OUT/s6f.txt"
