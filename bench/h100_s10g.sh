#!/bin/bash
# bench/h100_s10g.sh - session 10: the blocked decode kernel with all of x staged in shared
# memory first (RWKV_MM_XSH=1, matmul.comp XSK) against x read through L1: bench-mm from
# memory (both in one process), decode per token interleaved (2.9B Q4_K_M / F16, 0.1B F16),
# the GPU tests with it.
set -u
. bench/h100_env.sh
{
  export BENCH_MM_CFGS="l1:RWKV_MM_XSH=0;sh:RWKV_MM_XSH=1"
  export BENCH_MM_TYPES=q4_K,q6_K,f16,f32
  mm_decode_shapes "$B"
  BENCH_MM_COPIES=40 "$B/bench-mm" 768 3072 1 | grep -v "^NVIDIA"
  unset BENCH_MM_CFGS BENCH_MM_TYPES
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  decode_sweep 3 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" "RWKV_MM_XSH=1"
  export RWKV_MM_XSH=1; gpu_tests test_matmul test_quant_model test_forward; unset RWKV_MM_XSH
} 2>&1 | tee "$OUT/s10g.txt"
