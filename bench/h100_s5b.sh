#!/bin/bash
# bench/h100_s5b.sh - session 5, second call: load with the word-hash shader cache and
# ring slots with / without GL_CLIENT_STORAGE_BIT (RWKV_UPLOAD_CLIENT=0), against session
# 4's build (build-h100b); the cached program binaries' sizes.
set -u
. bench/h100_env.sh
{
  echo "== models"
  gen_models 2.9b-q4_k_m
  echo "== tests on the GPU"
  gpu_tests test_gpu test_shader_cache
  load_sweep 2 2.9b-q4_k_m 4 base "" "RWKV_UPLOAD_CLIENT=0"
  echo "== shader cache entries (bytes)"
  ls -l ~/.cache/rwkv-lua | awk 'NR>1 {n++; s+=$5; if ($5>m) m=$5} END {print n, "files, mean", s/n, "max", m}'
} 2>&1 | tee "$OUT/s5b.txt"
