#!/bin/bash
# bench/h100_s5c.sh - session 5, third call: load with the copier thread (default) against
# the deferred copies from the loading thread (RWKV_UPLOAD_COPIER=0) and session 4's build
# (build-h100b); pack threads; GPU tests with the copier.
set -u
. bench/h100_env.sh
{
  echo "== models"
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  echo "== tests on the GPU"
  gpu_tests test_gpu test_forward test_generate test_quant_model
  load_sweep 2 2.9b-q4_k_m 5 base "" "RWKV_UPLOAD_COPIER=0" "RWKV_UPLOAD_THREADS=12" "RWKV_UPLOAD_THREADS=8"
  load_sweep 1 2.9b-f16 3 base "" "RWKV_UPLOAD_COPIER=0"
  load_sweep 1 0.1b-f16 4 base "" "RWKV_UPLOAD_COPIER=0"
} 2>&1 | tee "$OUT/s5c.txt"
