#!/bin/bash
# bench/h100_s22d.sh - session 22: decode with the layer norms folded into the matmuls
# (RWKV_LN_FOLD=1 against the ln_mix dispatches): the GPU tests with it, decode interleaved.
# Needs ff052ad (reverted in 7d10013).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests (RWKV_LN_FOLD=1)"; RWKV_LN_FOLD=1 gpu_tests test_forward test_quant_model test_generate test_wkv
  echo "== decode"
  decode_sweep 3 "0.1b-f16 2.9b-f16 2.9b-q4_k_m" "" RWKV_LN_FOLD=1
  echo "== fingerprints"
  for m in 0.1b-f16 2.9b-f16 2.9b-q4_k_m; do
    for v in "" RWKV_LN_FOLD=1; do
      echo "-- $m ${v:-default}: $(env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --doc 64 2>&1 | grep -E "FNV|tg128 \(rwkv_gen" | awk -F'|' '{printf "%s: %s; ", $7, $8}')"
    done
  done
} 2>&1 | tee "$OUT/s22d.txt"
