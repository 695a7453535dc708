#!/bin/bash
# bench/h100_s4e.sh - session 4, fifth call: chained decode dispatches (RWKV_CHAIN=1, the
# engine of b9c86c2; reverted since) on the GPU: the model tests with them, decode per token
# off / on interleaved, rwkv-bench with them.
set -u
. bench/h100_env.sh
{
  echo "== tests on the GPU, RWKV_CHAIN=1"
  RWKV_CHAIN=1 gpu_tests test_forward test_generate test_quant_model test_wkv
  grep -h "max |" "$OUT/test_forward.txt" | head -3
  echo "== models"
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  echo "== decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300): RWKV_CHAIN=0 | 1"
  decode_sweep 3 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" "" "RWKV_CHAIN=1"
  echo "== rwkv-bench, RWKV_CHAIN=1"
  for m in 0.1b-f16 2.9b-q4_k_m; do
    RWKV_CHAIN=1 timeout 120 "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --title "H100 s4e: $m, RWKV_CHAIN=1" --change "chained decode dispatches" --append "$OUT/RESULTS-gpu.md" 2>&1 | grep -E "tg128|greedy"
  done
} 2>&1 | tee "$OUT/s4e.txt"
