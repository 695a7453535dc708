#!/bin/bash
# bench/h100_s8k.sh - session 8: split K towards 1056 workgroups for dispatches of at most two
# token tiles (RWKV_MM_SPLIT_MIN_SMALL, the default now) against 2112 for every dispatch (the
# old rule), rwkv-bench's 10 fields and document state interleaved; GPU tests.
set -u
. bench/h100_env.sh
{
  gpu_tests test_matmul test_forward
  gen_models 2.9b-q4_k_m 2.9b-f16
  bench_sweep 3 "2.9b-q4_k_m" "--repeat 5 --prefill 512 --decode 1 --doc 1024" \
    'fields|pp512 \(|doc state' "RWKV_MM_SPLIT_MIN_SMALL=2112" "RWKV_MM_SPLIT_MIN_SMALL=1056"
  bench_sweep 2 "2.9b-f16" "--repeat 5 --prefill 512 --decode 1 --doc 1024" \
    'fields|pp512 \(|doc state' "RWKV_MM_SPLIT_MIN_SMALL=2112" "RWKV_MM_SPLIT_MIN_SMALL=1056"
} 2>&1 | tee "$OUT/s8k.txt"
