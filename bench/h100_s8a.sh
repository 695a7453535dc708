#!/bin/bash
# bench/h100_s8a.sh - session 8: q4_K / q5_K scales and mins decoded word-wide without branches
# (common.glsl k4_sm_at) against the byte picks by a per-lane index that compiled to IF trees.
# Baseline build $A (c48ac0a) against the change $B in one call: decode matvecs from memory
# (BENCH_MM_COPIES), the tiled kernel at T=512, decode per token, rwkv-bench; the kernels'
# NVIDIA assembly (asm.tgz); GPU tests of the change.
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
{
  for bld in $A $B; do
    echo "== bench-mm $bld"
    export BENCH_MM_TYPES=q4_K,q5_K,q6_K
    BENCH_MM_COPIES=40 "$bld/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=10 "$bld/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=10 "$bld/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
    BENCH_MM_TYPES=q4_K,q5_K "$bld/bench-mm" 2560 10240 512 | grep -v "^NVIDIA"
  done
  unset BENCH_MM_TYPES
  mkdir -p /tmp/cache /tmp/asm
  RWKV_SHADER_CACHE=/tmp/cache BENCH_MM_TYPES=q4_K "$B/bench-mm" 2560 10240 1 512 > /dev/null
  nv_asm /tmp/cache
  echo "== models"
  gen_models 0.1b-f16 2.9b-q4_k_m
  echo "== decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300), baseline then change"
  for m in 2.9b-q4_k_m; do
    decode_ms $A /tmp/m-$m.gguf > /dev/null
    for bld in $A $B $A $B $A $B; do
      echo "-- $m $bld: $(decode_ms $bld /tmp/m-$m.gguf)"
    done
  done
  for bld in $A $B $A $B; do
    echo "-- rwkv-bench $bld: $("$bld/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 5 --prefill 512 --decode 64 --doc 1024 2>&1 |
      grep -E 'fields|pp512 \(|doc state|decode|FNV' | sed 's/.*| \(.*\) | \(.*\) |$/\1: \2/' | cut -c1-70 | tr '\n' ';')"
  done
  echo "== decode knobs on the change (K-quant units loaded first, more lanes / units)"
  decode_sweep 1 "2.9b-q4_k_m" "" "RWKV_MM_PRE=1" "RWKV_MM_PRE=1 RWKV_MM_UNR=2" "RWKV_MM_LANES=64" "RWKV_MM_UNR=4" ""
  echo "-- q4_k_m profile $B"; RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 1 64 2>&1 | tail -16
  echo "== tests on the GPU ($B)"
  gpu_tests test_matmul test_forward test_quant_model test_generate
} 2>&1 | tee "$OUT/s8a.txt"
