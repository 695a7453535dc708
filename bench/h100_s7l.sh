#!/bin/bash
# bench/h100_s7l.sh - session 7: vec4 tiles with warp-uniform element stores (RWKV_MM_STV=1)
# against the float tiles (default), bench-mm and rwkv-bench interleaved; GPU tests with it.
# (RWKV_MM_STV existed in 82cb494 only: reverted in bc12e65 after this call.)
set -u
. bench/h100_env.sh
{
  for sh in "2560 10240" "10240 2560" "2560 7680"; do
    BENCH_MM_TYPES=f16,q4_K,q6_K BENCH_MM_CFGS="default:;stv:RWKV_MM_STV=1;default2:;stv2:RWKV_MM_STV=1" "$B/bench-mm" $sh 124 512 | grep -v "T=1 "
  done
  RWKV_MM_STV=1 gpu_tests test_forward test_quant_model
  RWKV_MM_STV=1 RWKV_MM_TILED=1 gpu_tests test_matmul
  gen_models 2.9b-q4_k_m 2.9b-f16
  bench_sweep 2 "2.9b-q4_k_m 2.9b-f16" "--repeat 5 --prefill 512 --decode 8 --doc 1024" \
    'fields|pp512 \(|doc state|FNV' "RWKV_MM_STV=0" "RWKV_MM_STV=1"
} 2>&1 | tee "$OUT/s7l.txt"
