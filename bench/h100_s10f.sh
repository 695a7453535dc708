#!/bin/bash
# bench/h100_s10f.sh - session 10: K-quant decode units decoded as 1 + v / 2^B (common.glsl
# u8x4_frac: a shift and a mask-or an element, the 2^23 subtraction gone; scale and min
# pre-scaled) in $B against the commit before ($A): bench-mm from memory, decode per token
# interleaved, rwkv-bench, the GPU tests of the change.
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
{
  for bld in $A $B $A $B; do
    echo "== bench-mm $bld"
    export BENCH_MM_TYPES=q4_K,q5_K,q6_K
    mm_decode_shapes "$bld"
    unset BENCH_MM_TYPES
  done
  gen_models 2.9b-q4_k_m
  m=2.9b-q4_k_m
  decode_ab 4 "$m" "$A" "$B"
  for bld in $A $B $A $B; do
    echo "-- rwkv-bench $bld: $("$bld/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 512 --decode 128 --doc 1024 2>&1 |
      grep -E 'fields|pp512 \(|doc state|tg128|FNV' | sed 's/.*| \(.*\) | \(.*\) |$/\1: \2/' | cut -c1-60 | tr '\n' ';')"
  done
  echo "== tests on the GPU ($B)"
  gpu_tests test_matmul test_quant_model test_forward test_generate test_lnfuse
} 2>&1 | tee "$OUT/s10f.txt"
