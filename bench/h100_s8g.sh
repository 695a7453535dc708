#!/bin/bash
# bench/h100_s8g.sh - session 8: programs handed to the driver in a batch during the load
# against one at a time, rwkv-loadtime interleaved, and the cache tests on the GPU. First run:
# a batch with GL_KHR_parallel_shader_compile (link statuses read at its end; variant
# RWKV_PARALLEL_LINK=0); second run (6d14b97, reverted in ca4f3b2): a worker thread with a
# shared context runs glProgramBinary (variant RWKV_PROGRAM_THREAD=0). Neither knob exists now.
set -u
. bench/h100_env.sh
{
  gpu_tests test_shader_cache test_gpu
  gen_models 2.9b-q4_k_m 0.1b-f16
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 2 > /dev/null
  load_sweep 3 2.9b-q4_k_m 4 "RWKV_PROGRAM_THREAD=0" ""
  load_sweep 2 0.1b-f16 4 "RWKV_PROGRAM_THREAD=0" ""
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 | grep programs
} 2>&1 | tee "$OUT/s8g.txt"
