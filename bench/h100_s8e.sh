#!/bin/bash
# bench/h100_s8e.sh - session 8: the WKV and attention layer-norm steps dispatched twice in a
# row (RWKV_TWICE, fd9d840) against once and left out (RWKV_SKIP): a warm repeat's
# cost vs the step's place in the chain; the WKV kernel's LoRA split.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 0.1b-f16
  decode_sweep 2 "2.9b-q4_k_m 0.1b-f16" "" "RWKV_SKIP=wkv" "RWKV_TWICE=wkv" "RWKV_SKIP=ln_att" "RWKV_TWICE=ln_att" \
    "RWKV_WKV_LORA_SPLIT=1" "RWKV_WKV_LORA_SPLIT=2" "RWKV_WKV_LORA_SPLIT=8"
} 2>&1 | tee "$OUT/s8e.txt"
