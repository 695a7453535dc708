#!/bin/bash
# bench/h100_s11a.sh - session 11: LoRA tensors typed as llama.cpp's converter writes them
# (w1 / w2 F32, a / v / g F16) and the fused WKV LoRA dots with a type per matrix. Models:
# 2.9b-q4_k_m (llama.cpp's LoRA types, the generator's new default), 2.9b-q4kmL32 (every LoRA
# tensor F32: the earlier generator's layout), 2.9b-q4kmL16 (every LoRA tensor F16: LoRA-1
# stacked in one matmul); the baseline build ($BASE, before the change: mixed types fall back
# to four LoRA-2 matmuls and the WKV kernel without them) against this one ($B).
set -u
. bench/h100_env.sh
BASE=${BASE:-build-h100b}
{
  gpu_tests test_wkv test_quant_model test_forward test_generate test_gpu
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  "$B/rwkv-gen" /tmp/m-2.9b-q4kmL32.gguf --preset 2.9b --type q4_k_m --lora f32 --vocab "$V" --quiet
  "$B/rwkv-gen" /tmp/m-2.9b-q4kmL16.gguf --preset 2.9b --type q4_k_m --lora f16 --vocab "$V" --quiet
  echo "== decode per token, baseline vs this build"
  decode_ab 3 2.9b-q4_k_m "$BASE" "$B"
  decode_ab 2 2.9b-q4kmL32 "$BASE" "$B"
  decode_ab 2 2.9b-f16 "$BASE" "$B"
  decode_ab 2 0.1b-f16 "$BASE" "$B"
  echo "== this build: LoRA layouts, four walkers on / off"
  decode_sweep 2 "2.9b-q4_k_m 2.9b-q4kmL16" "" "RWKV_WKV_QUAD=0" "RWKV_WKV_QUAD=1"
  echo "== rwkv-bench, this build, llama.cpp's LoRA types"
  for m in 2.9b-q4_k_m 0.1b-f16; do
    "$B/rwkv-bench" /tmp/m-$m.gguf --quiet 2>&1 | grep -E "tg128|pp512 \(|doc state|10 fields|load \(warm|FNV"
  done
} 2>&1 | tee "$OUT/s11a.txt"
