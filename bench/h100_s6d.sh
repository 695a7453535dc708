#!/bin/bash
# bench/h100_s6d.sh - session 6: padded batches with the token map (default) against
# RWKV_TOKEN_MAP=0, interleaved: the 10-field batch embed of rwkv-bench (short options so
# that a run is quick), and pp512 / decode to show they are unchanged. GPU tests first.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_forward test_wkv test_generate test_quant_model
  bench_sweep 3 "2.9b-q4_k_m 2.9b-f16" "--repeat 5 --prefill 512 --decode 8 --doc 1024" \
    'fields|pp512 \(|doc state' RWKV_TOKEN_MAP=0 RWKV_TOKEN_MAP=1
} 2>&1 | tee "$OUT/s6d.txt"
