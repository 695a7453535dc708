#!/bin/bash
# bench/h100_s15n.sh - session 15: read-backs build queued lazy programs only from the shader
# cache. A fresh cache that holds the load's programs but not the prefill kernels (as on a
# machine where only loads / decode ran), then the first passes after each load
# (LOADTIME_FIRST=1; s15m had pass + logits at 108-221 ms), then a first prefill (its kernels
# compiled on first use); the GPU tests.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_gpu test_forward test_generate
  gen_models 2.9b-q4_k_m
  export RWKV_SHADER_CACHE=/tmp/s15n-cache
  rm -rf $RWKV_SHADER_CACHE
  warm_loads 2.9b-q4_k_m
  echo "== first passes"
  LOADTIME_FIRST=1 "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 3 2>&1 | grep -E "^load|first passes"
  echo "== a prefill after it (its kernels compiled at first use)"
  "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 1 --prefill 64 --decode 4 --doc 64 2>&1 | grep -E "pp64|fields|FNV"
} 2>&1 | tee "$OUT/s15n.txt"
