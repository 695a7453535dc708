#!/bin/bash
# bench/h100_s8g.sh - session 8 (first run: GL_KHR_parallel_shader_compile, no gain, h100_s8f.sh notes): programs handed to the driver in a batch during the load
# (a worker thread with a shared context runs glProgramBinary; link statuses read at the
# batch's end) against one at a
# time (RWKV_PROGRAM_THREAD=0), rwkv-loadtime interleaved; the cache tests on the GPU.
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
