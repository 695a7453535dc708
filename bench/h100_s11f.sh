#!/bin/bash
# bench/h100_s11f.sh - session 11: what the LoRA first stages cost in decode with llama.cpp's
# types (w1 F32 on its own beside the F16 a1 / g1 / v1 stack) against all-F16 LoRA (one
# stack), and the fused LoRA-2 dots against four matmuls (RWKV_WKV_LORA_FUSE=0).
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m
  "$B/rwkv-gen" /tmp/m-2.9b-q4kmL16.gguf --preset 2.9b --type q4_k_m --lora f16 --vocab "$V" --quiet
  decode_sweep 3 "2.9b-q4_k_m 2.9b-q4kmL16" "" "RWKV_SKIP=lora1" "RWKV_WKV_LORA_FUSE=0"
} 2>&1 | tee "$OUT/s11f.txt"
