#!/bin/bash
# bench/h100_s20d.sh - session 20: the LoRA first stages queued before r / k / v in their batch
# (default now; RWKV_LORA1_FIRST=0 before) and the short-K tiles for short prefills only
# (RWKV_MM_SHORTK=0: off), rwkv-bench interleaved, two rounds.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m 0.1b-f16
  for m in 2.9b-f16 2.9b-q4_k_m 0.1b-f16; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  figures_ab 2 "2.9b-f16 2.9b-q4_k_m 0.1b-f16" "" RWKV_LORA1_FIRST=0 "RWKV_LORA1_FIRST=0 RWKV_MM_SHORTK=0"
} 2>&1 | tee "$OUT/s20d.txt"
