#!/bin/bash
# bench/h100_s17a.sh (needs 8065ef6) - session 17: the tiled kernel's vec4 tiles written whole
# after quad transposes (RWKV_MM_TV, subgroupShuffleXor) against the float tiles (TV=0):
# test_matmul on the GPU, bench-mm in one process (with the larger register tiles the vec4 loads
# may now afford), then the 2.9B models' pp512 / document state / 10 fields.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== tests on the GPU (TV default on)"
  gpu_tests test_matmul test_forward test_quant_model
  echo "== bench-mm tiled: float tiles (tv0) vs vec4 tiles (tv1 ...)"
  export BENCH_MM_CFGS="tv0:RWKV_MM_TV=0;tv1:RWKV_MM_TV=1;tv1r2n2:RWKV_MM_TV=1,RWKV_MM_RQ=2,RWKV_MM_NQ=2;tv1r2n1:RWKV_MM_TV=1,RWKV_MM_RQ=2,RWKV_MM_NQ=1;tv1bk32:RWKV_MM_TV=1,RWKV_MM_BK=32;tv1r2n2bt128:RWKV_MM_TV=1,RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_BT=128;tv1db:RWKV_MM_TV=1,RWKV_MM_DB=1;tv0b:RWKV_MM_TV=0;tv1b:RWKV_MM_TV=1"
  mm_prefill_shapes
  unset BENCH_MM_CFGS
  gen_models 2.9b-q4_k_m 2.9b-f16
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16" RWKV_MM_TV=0 RWKV_MM_TV=1
} 2>&1 | tee "$OUT/s17a.txt"
