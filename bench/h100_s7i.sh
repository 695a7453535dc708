#!/bin/bash
# bench/h100_s7i.sh - session 7: the tiled kernel with its shared tiles as float arrays
# (RWKV_MM_STF=1: scalar stores instead of a per-lane vec4 component, which NVIDIA's
# compiler turns into divergent branches) against the default, bench-mm and rwkv-bench;
# GPU tests with it on.
set -u
. bench/h100_env.sh
{
  for sh in "2560 10240" "10240 2560" "2560 7680"; do
    BENCH_MM_TYPES=f16,q4_K,q6_K BENCH_MM_CFGS="default:;stf:RWKV_MM_STF=1;default2:;stf2:RWKV_MM_STF=1" "$B/bench-mm" $sh 124 512 1024 | grep -v "T=1 "
  done
  RWKV_MM_STF=1 gpu_tests test_forward test_quant_model test_wkv
  RWKV_MM_STF=1 RWKV_MM_TILED=1 gpu_tests test_matmul
  gen_models 2.9b-q4_k_m 2.9b-f16
  bench_sweep 2 "2.9b-q4_k_m 2.9b-f16" "--repeat 5 --prefill 512 --decode 8 --doc 1024" \
    'fields|pp512 \(|doc state|FNV' "RWKV_MM_STF=0" "RWKV_MM_STF=1"
} 2>&1 | tee "$OUT/s7i.txt"
