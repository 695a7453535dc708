#!/bin/bash
# bench/h100_s7m.sh - session 7: the blocked decode kernel with a unit's quads written out
# (RWKV_MM_QUNR=1: literal quad indexes instead of a loop whose w.q[i & 3] became IF trees)
# against the default; GPU tests with it.
# (RWKV_MM_QUNR existed in c895bb5 only: reverted in 3775374 after this call.)
set -u
. bench/h100_env.sh
{
  RWKV_MM_QUNR=1 gpu_tests test_forward test_quant_model test_matmul
  for sh in "2560 10240" "10240 2560" "2560 2560"; do
    BENCH_MM_COPIES=12 BENCH_MM_TYPES=f16,q4_K,q6_K BENCH_MM_CFGS="default:;qunr:RWKV_MM_QUNR=1" "$B/bench-mm" $sh 1
  done
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" "RWKV_MM_QUNR=1"
} 2>&1 | tee "$OUT/s7m.txt"
