#!/bin/bash
# bench/h100_s7k.sh - session 7: the tiled kernel's assembly with float-array tiles
# (asm.tgz), and the split-K threshold again now that the kernel is faster (rwkv-bench fields,
# document state, pp512; interleaved).
set -u
. bench/h100_env.sh
{
  mkdir -p /tmp/cache /tmp/asm
  RWKV_SHADER_CACHE=/tmp/cache BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 2560 10240 512
  nv_asm /tmp/cache
  gen_models 2.9b-q4_k_m
  bench_sweep 2 "2.9b-q4_k_m" "--repeat 5 --prefill 512 --decode 8 --doc 1024" \
    'fields|pp512 \(|doc state' "RWKV_MM_SPLIT_MIN=2112" "RWKV_MM_SPLIT_MIN=1056" "RWKV_MM_SPLIT_MIN=4224" "RWKV_MM_SPLIT_MIN=528"
} 2>&1 | tee "$OUT/s7k.txt"
