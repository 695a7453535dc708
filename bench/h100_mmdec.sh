#!/bin/bash
# bench/h100_mmdec.sh - decode matvecs and decode per token, baseline build ($A) against the
# change ($B) in one call (from the repository root, .debs in .gl/). Weights from memory:
# BENCH_MM_COPIES rotates copies past the 50 MB L2. Then the GPU tests of the change.
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
{
  export BENCH_MM_TYPES=f16,q4_K,q5_K,q6_K
  for bld in $A $B; do
    echo "== bench-mm $bld"
    if [ "$bld" = "$B" ]; then
      export BENCH_MM_CFGS="def:;n1u1:RWKV_MM_NR=1,RWKV_MM_UNR=1;n1u2:RWKV_MM_NR=1,RWKV_MM_UNR=2;n2u1:RWKV_MM_NR=2,RWKV_MM_UNR=1;n2u2:RWKV_MM_NR=2,RWKV_MM_UNR=2;n4u1:RWKV_MM_NR=4,RWKV_MM_UNR=1;n4u2:RWKV_MM_NR=4,RWKV_MM_UNR=2;n4u4:RWKV_MM_NR=4,RWKV_MM_UNR=4"
    else
      export BENCH_MM_CFGS="def:"
    fi
    BENCH_MM_COPIES=40 "$bld/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=12 "$bld/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=10 "$bld/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=10 "$bld/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
    BENCH_MM_TYPES=q6_K BENCH_MM_COPIES=3 "$bld/bench-mm" 2560 65536 1 | grep -v "^NVIDIA"
  done
  unset BENCH_MM_TYPES BENCH_MM_CFGS
  echo "== models"
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  echo "== decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300), baseline then change"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    for bld in $A $B $A $B; do
      echo "-- $m $bld: $(decode_ms $bld /tmp/m-$m.gguf)"
    done
  done
  echo "-- q4_k_m profile $B"; RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 1 64 2>&1 | tail -15
  echo "== tests on the GPU ($B)"
  gpu_tests test_matmul test_forward test_wkv test_quant_model test_generate test_lnfuse
} 2>&1 | tee "$OUT/mmdec.txt"
