#!/bin/bash
# bench/h100_s9c.sh - session 9: decode of one sequence as one dispatch a layer
# (RWKV_PERSIST=1, glsl/rwkv_layer.comp) against the dispatch chain, F16 models; greedy
# fingerprints both ways; workgroups a dispatch (RWKV_PERSIST_WGS); GPU tests.
set -u
. bench/h100_env.sh
{
  gpu_tests test_forward test_wkv
  gen_models 0.1b-f16 2.9b-f16
  bench_sweep 1 "0.1b-f16 2.9b-f16" "--repeat 3 --prefill 64 --decode 128 --doc 64" 'FNV|tg128 \(rwkv_gen' \
    "RWKV_PERSIST=0" "RWKV_PERSIST=1 RWKV_PERSIST_CHECK=1"
  decode_sweep 3 "0.1b-f16 2.9b-f16" "" "RWKV_PERSIST=1" "RWKV_PERSIST=1 RWKV_PERSIST_WGS=132" \
    "RWKV_PERSIST=1 RWKV_PERSIST_WGS=528"
} 2>&1 | tee "$OUT/s9c.txt"
