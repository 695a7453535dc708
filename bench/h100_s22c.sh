#!/bin/bash
# bench/h100_s22c.sh - session 22: what the decode chain's two layer-norm dispatches cost in it
# (RWKV_SKIP=ln_att / ln_ffn, garbage out): the most that folding them into the matvecs saves.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  decode_sweep 2 "0.1b-f16 2.9b-f16 2.9b-q4_k_m" "" RWKV_SKIP=ln_att RWKV_SKIP=ln_ffn RWKV_SKIP=ln_att,ln_ffn
} 2>&1 | tee "$OUT/s22c.txt"
