#!/bin/bash
# bench/h100_s10b.sh - session 10: HALF with fma() (GL_EXT_gpu_shader5) against f32 tiles at
# BK 16 / 32 (bench-mm, both in one process), and the kernels' NVIDIA assembly (asm.tgz).
set -u
. bench/h100_env.sh
{
  export BENCH_MM_CFGS="h0:RWKV_MM_HALF=0;h0bk32:RWKV_MM_HALF=0,RWKV_MM_BK=32;h1:RWKV_MM_HALF=1;h1bk32:RWKV_MM_HALF=1,RWKV_MM_BK=32"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 2560 10240 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 10240 2560 512 2>&1 | grep -v "^NVIDIA"
  unset BENCH_MM_CFGS
  mkdir -p /tmp/cache
  RWKV_SHADER_CACHE=/tmp/cache BENCH_MM_TYPES=f16 "$B/bench-mm" 2560 2560 512 > /dev/null
  nv_asm /tmp/cache
  grep -l "HALF\|F16" /tmp/asm/*.txt | head
} 2>&1 | tee "$OUT/s10b.txt"
