#!/bin/bash
# Session 29's last call: the full run (bench/h100_session.sh; TITLE / CHANGE from the
# environment) at the order rule of 0db6073 (the LoRA first stages before r / k / v in passes of
# 257-512 rows), the quoted lines, then pp512 with that rule against r / k / v first
# (RWKV_LORA1_FIRST=0) in three interleaved rounds, and test_forward / test_quant_model with the
# LoRA stages first in every pass (RWKV_LORA1_FIRST=1, as the gpupaths tests run on llvmpipe).
B=${B:-build-h100} bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
grep -A12 "== tests on the GPU" "$OUT/session.txt" | head -14
grep -h "| load (warm\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV" "$OUT/RESULTS-gpu.md" | cut -d'|' -f2,7,8 | cut -c1-130
for m in 2.9b-f16 2.9b-q4_k_m; do
  for r in 1 2 3; do
    for v in RWKV_LORA1_FIRST= RWKV_LORA1_FIRST=0; do
      echo "-- $m $v: pp512 $(pass_ms $m $v | sed 's/.*: //')"
    done
  done
done
RWKV_LORA1_FIRST=1 gpu_tests test_forward test_quant_model
