#!/bin/bash
# bench/h100_s5d.sh - session 5: load with program prefetch lists (build-h100) against
# session 4's build (build-h100b), interleaved; the cache tests on the GPU.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 0.1b-f16
  gpu_tests test_gpu test_shader_cache test_forward
  load_sweep 3 2.9b-q4_k_m 5 base ""
  load_sweep 1 0.1b-f16 5 base ""
} 2>&1 | tee "$OUT/s5d.txt"
