#!/bin/bash
# bench/h100_s7p.sh - session 7: the WKV scan with its inputs staged in shared memory a chunk of
# tokens at a time (RWKV_WKV_CH=8 / 16 / 32) against loading them a token ahead per row (0),
# rwkv-bench interleaved; GPU tests with it; the step profile at 512 rows.
set -u
. bench/h100_env.sh
{
  RWKV_WKV_CH=32 gpu_tests test_forward test_wkv test_generate
  RWKV_WKV_CH=8 gpu_tests test_wkv
  gen_models 2.9b-q4_k_m 2.9b-f16
  bench_sweep 2 "2.9b-q4_k_m" "--repeat 5 --prefill 512 --decode 8 --doc 1024" \
    'fields|pp512 \(|doc state|FNV' "RWKV_WKV_CH=0" "RWKV_WKV_CH=8" "RWKV_WKV_CH=16" "RWKV_WKV_CH=32"
  bench_sweep 1 "2.9b-f16" "--repeat 5 --prefill 512 --decode 8 --doc 1024" \
    'fields|pp512 \(|doc state|FNV' "RWKV_WKV_CH=0" "RWKV_WKV_CH=32"
  RWKV_WKV_CH=32 RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 3 2>&1 | grep -E "wkv|passes"
} 2>&1 | tee "$OUT/s7p.txt"
