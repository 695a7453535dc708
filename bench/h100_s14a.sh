#!/bin/bash
# bench/h100_s14a.sh - session 14: the GPU tests at main (7c6be96, f3a5e17, 39e0155 had not run
# on a GPU), then the tiled kernel's k-major tiles (RWKV_MM_KL=1) against the float tiles in one
# process (BENCH_MM_CFGS), and in the 2.9B models' pp512 / document state / 10 fields.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== tests on the GPU"
  gpu_tests test_gpu test_forward test_generate test_quant_model test_faults test_wkv test_lnfuse test_matmul
  echo "== test_matmul, RWKV_MM_KL=1"
  RWKV_MM_KL=1 gpu_tests test_matmul
  echo "== bench-mm tiled: float tiles (kl0) vs k-major (kl1 ...)"
  export BENCH_MM_CFGS="kl0:RWKV_MM_KL=0;kl1:RWKV_MM_KL=1;kl1bk32:RWKV_MM_KL=1,RWKV_MM_BK=32;kl1r2n1:RWKV_MM_KL=1,RWKV_MM_RQ=2,RWKV_MM_NQ=1;kl1r2n2:RWKV_MM_KL=1,RWKV_MM_RQ=2,RWKV_MM_NQ=2;kl1r2n2bt128:RWKV_MM_KL=1,RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_BT=128;kl0b:RWKV_MM_KL=0"
  mm_prefill_shapes
  unset BENCH_MM_CFGS
  gen_models 2.9b-q4_k_m 2.9b-f16
  bench_sweep 2 "2.9b-q4_k_m 2.9b-f16" "--repeat 3 --prefill 512 --decode 16 --doc 1024" \
    'fields|pp512 \(|doc state|FNV' "" "RWKV_MM_KL=1"
} 2>&1 | tee "$OUT/s14a.txt"
