#!/bin/bash
# bench/h100_s10a.sh - session 10: the tiled prefill kernel with f16 tiles and HFMA2 products
# (matmul.comp HALF, GL_NV_gpu_shader5) against its f32 tiles (RWKV_MM_HALF=0), one build, one
# call: the driver's extension, the tiled kernel at T = 512 / 124 (BENCH_MM_CFGS: both variants
# in one process), the 2.9B models' pp512 / document state / 10 fields (interleaved), the GPU
# tests.
set -u
. bench/h100_env.sh
{
  echo "== glprobe"; "$B/bench-glprobe" 2>&1 | grep -iE "gpu_shader5|f16" | head -5
  echo "== bench-mm tiled, f32 tiles (h0) vs f16 (h1)"
  export BENCH_MM_CFGS="h0:RWKV_MM_HALF=0;h1:RWKV_MM_HALF=1;h1bk32:RWKV_MM_HALF=1,RWKV_MM_BK=32;h1q22:RWKV_MM_HALF=1,RWKV_MM_RQ=2,RWKV_MM_NQ=2"
  BENCH_MM_TYPES=f16,q4_K,q6_K "$B/bench-mm" 2560 10240 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16,q4_K,q6_K "$B/bench-mm" 10240 2560 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 2560 7680 512 2>&1 | grep -v "^NVIDIA"
  unset BENCH_MM_CFGS
  echo "== tests"
  gpu_tests test_matmul
  gen_models 2.9b-q4_k_m 2.9b-f16
  bench_sweep 2 "2.9b-q4_k_m 2.9b-f16" "--repeat 3 --prefill 512 --decode 16 --doc 1024" \
    'fields|pp512 \(|doc state|FNV' "RWKV_MM_HALF=0" "RWKV_MM_HALF=1"
  gpu_tests test_forward test_quant_model test_generate test_lnfuse
} 2>&1 | tee "$OUT/s10a.txt"
