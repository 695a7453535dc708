#!/bin/bash
# bench/h100_s22p.sh - session 22's last code (a21d1b5): the GPU tests and decode a token.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests"; gpu_tests test_wkv test_forward test_generate test_quant_model test_lnfuse
  decode_sweep 2 "0.1b-f16 2.9b-f16 2.9b-q4_k_m" ""
  for m in 0.1b-f16 2.9b-f16 2.9b-q4_k_m; do
    echo "-- $m: $("$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --doc 64 2>&1 | grep -E "FNV|tg128 \(rwkv_gen" | awk -F'|' '{printf "%s: %s; ", $7, $8}')"
  done
} 2>&1 | tee "$OUT/s22p.txt"
