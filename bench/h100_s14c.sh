#!/bin/bash
# bench/h100_s14c.sh - session 14: what each decode step costs inside the real chain (RWKV_SKIP
# leaves a step's dispatches out; garbage out), 2.9B Q4_K_M and 0.1B F16, ms per token
# (decode_sweep: BENCH_OUTPUT=none bench-profile MODEL 1 300), two interleaved rounds.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 0.1b-f16
  decode_sweep 2 "2.9b-q4_k_m 0.1b-f16" "" RWKV_SKIP=ln_att RWKV_SKIP=rkv RWKV_SKIP=lora1 RWKV_SKIP=wkv \
    RWKV_SKIP=wo RWKV_SKIP=ln_ffn RWKV_SKIP=ffn_key RWKV_SKIP=ffn_value RWKV_SKIP=head \
    RWKV_SKIP=ln_att,ln_ffn RWKV_SKIP=rkv,lora1,wo,ffn_key,ffn_value,head \
    RWKV_SKIP=ln_att,rkv,lora1,wkv,wo,ln_ffn,ffn_key,ffn_value,head
} 2>&1 | tee "$OUT/s14c.txt"
