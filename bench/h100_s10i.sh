#!/bin/bash
# bench/h100_s10i.sh - session 10: 5 rows a lane group and one unit in flight for K-quant
# rows of 8192-16383 ($B) against 4 and 4 ($A): decode per token interleaved (2.9B Q4_K_M),
# rwkv-bench, the GPU tests of the change.
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 1.5b-q4_k_m
  for m in 2.9b-q4_k_m 1.5b-q4_k_m; do decode_ab 4 "$m" "$A" "$B"; done
  for bld in $A $B $A $B; do
    echo "-- rwkv-bench $bld: $("$bld/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 3 --prefill 512 --decode 128 --doc 1024 2>&1 |
      grep -E 'tg128 \(rwkv_gen|FNV' | sed 's/.*| \(.*\) | \(.*\) |$/\1: \2/' | cut -c1-60 | tr '\n' ';')"
  done
  echo "== tests on the GPU ($B)"
  gpu_tests test_matmul test_quant_model
} 2>&1 | tee "$OUT/s10i.txt"
