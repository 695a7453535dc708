#!/bin/bash
# bench/h100_s6a.sh - session 6: where a decoded token's time goes now (each step left out of
# the real chain, RWKV_SKIP, interleaved), GPU-timestamp profiles of decode and pp512, and the
# driver's program binaries of every kernel (RWKV_SHADER_CACHE under $OUT) to read what the
# NVIDIA compiler made of them.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16
  decode_sweep 2 "2.9b-q4_k_m" "" RWKV_SKIP=ln_att RWKV_SKIP=rkv RWKV_SKIP=lora1 RWKV_SKIP=wkv \
    RWKV_SKIP=wo RWKV_SKIP=ln_ffn RWKV_SKIP=ffn_key RWKV_SKIP=ffn_value RWKV_SKIP=head
  decode_sweep 1 "2.9b-f16" "" RWKV_SKIP=wkv RWKV_SKIP=ln_att,ln_ffn
  echo "-- profile decode q4_k_m"
  RWKV_PROFILE=1 BENCH_OUTPUT=none "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 1 64 2>&1 | tail -25
  echo "-- profile pp512 q4_k_m"
  RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 3 2>&1 | tail -25
  mkdir -p "$OUT/cache"
  RWKV_SHADER_CACHE=$OUT/cache "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 1 > /dev/null 2>&1
  RWKV_SHADER_CACHE=$OUT/cache BENCH_OUTPUT=none "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 1 4 > /dev/null 2>&1
  RWKV_SHADER_CACHE=$OUT/cache "$B/bench-profile" /tmp/m-2.9b-f16.gguf 512 1 > /dev/null 2>&1
  ls -la "$OUT/cache" | head -50
} 2>&1 | tee "$OUT/s6a.txt"
