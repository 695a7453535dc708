#!/bin/bash
# Needs a build of 6cc594b (RWKV_LORA_EARLY, reverted in 2214290).
# Session 26: RWKV_LORA_EARLY=1 (the LoRA first stages alone after the layer norm, r / k / v
# beside the LoRA second stages) against the defaults (r / k / v beside the first stages):
# GPU tests with it on; 10 fields (ms a pass) and pp512 (bench-profile 512 x4), three rounds.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
for t in test_forward test_wkv test_quant_model; do
  s=$(date +%s); RWKV_LORA_EARLY=1 timeout 300 "$B/$t" > "$OUT/early-$t.txt" 2>&1; echo "early $t rc=$? $(tail -1 "$OUT/early-$t.txt") ($(( $(date +%s) - s )) s)"
done
for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
  fields_ms $m > /dev/null; RWKV_LORA_EARLY=1 fields_ms $m > /dev/null
  for r in 1 2 3; do
    echo "-- $m fields default: $(fields_ms $m)  early: $(RWKV_LORA_EARLY=1 fields_ms $m)"
  done
done
for m in 2.9b-q4_k_m 2.9b-f16; do
  for r in 1 2; do
    echo "-- $m pp512 default: $(pass_ms $m)"
    echo "-- $m pp512 early: $(pass_ms $m RWKV_LORA_EARLY=1)"
  done
done
