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
  for r in 1 2; do
    for v in base copier filler copier_t12 copier_t8; do
      bld=$B; env=""
      case $v in
        base) bld=build-h100b ;;
        filler) env="RWKV_UPLOAD_COPIER=0" ;;
        copier_t12) env="RWKV_UPLOAD_THREADS=12" ;;
        copier_t8) env="RWKV_UPLOAD_THREADS=8" ;;
      esac
      echo "-- Q4_K_M $v"
      env $env "$bld/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 5 2>&1 | grep -A1 '^load [1-4]'
    done
  done
  for v in base copier filler; do
    bld=$B; env=""
    [ $v = base ] && bld=build-h100b
    [ $v = filler ] && env="RWKV_UPLOAD_COPIER=0"
    echo "-- F16 $v"
    env $env "$bld/rwkv-loadtime" /tmp/m-2.9b-f16.gguf 3 2>&1 | grep -A1 '^load [12]'
    echo "-- 0.1B F16 $v"
    env $env "$bld/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 4 2>&1 | grep -A1 '^load [1-3]'
  done
} 2>&1 | tee "$OUT/s5c.txt"
