#!/bin/bash
# bench/h100_s8f.sh - session 8: where a warm load's program time goes (keys, cache reads, the
# driver's glProgramBinary + link status; rwkv-loadtime's new line) and whether the driver
# offers GL_KHR_parallel_shader_compile.
set -u
. bench/h100_env.sh
{
  "$B/bench-glprobe" 2>&1 | tr ' ' '\n' | grep -i "parallel\|binary" | head
  gen_models 2.9b-q4_k_m
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4
} 2>&1 | tee "$OUT/s8f.txt"
