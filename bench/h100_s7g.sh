#!/bin/bash
# bench/h100_s7g.sh - session 7: the NVIDIA intermediate assembly of the tiled prefill kernel
# (f16, q4_K; 2560 x 10240, T = 512) and of the decode kernels, one text file per program
# (asm.tgz), to see how the inner loop is issued (MAD vs MUL + ADD, shared loads).
set -u
. bench/h100_env.sh
{
  mkdir -p /tmp/cache /tmp/asm
  RWKV_SHADER_CACHE=/tmp/cache BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 2560 10240 1 512
  nv_asm /tmp/cache
} 2>&1 | tee "$OUT/s7g.txt"
