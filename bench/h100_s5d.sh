#!/bin/bash
# bench/h100_s5d.sh - session 5: load with program prefetch lists (build-h100) against
# session 4's build (build-h100b), interleaved; the cache tests on the GPU.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 0.1b-f16
  gpu_tests test_gpu test_shader_cache test_forward
  for r in 1 2 3; do
    for v in base new; do
      bld=$B
      [ $v = base ] && bld=build-h100b
      echo "-- Q4_K_M $v"
      "$bld/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 5 2>&1 | grep -A1 '^load [1-4]'
    done
  done
  for v in base new; do
    bld=$B
    [ $v = base ] && bld=build-h100b
    echo "-- 0.1B F16 $v"
    "$bld/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 5 2>&1 | grep -A1 '^load [1-4]'
  done
} 2>&1 | tee "$OUT/s5d.txt"
