#!/bin/bash
# bench/h100_s29k.sh - session 29: the LoRA first stages' f16 stack (a|g|v) dispatched before
# their lone f32 w1 (RWKV_L1_STACK_FIRST=1) against after: decode ms a token, pp512, the 10
# fields, 2.9B Q4_K_M and F16, three rounds.
# Needs a build of e48bcef (the knob; kept for short prefills, 2-256 rows, without it).
. bench/h100_env.sh
for m in 2.9b-q4_k_m 2.9b-f16; do ls /tmp/m-$m.gguf > /dev/null 2>&1 || gen_models $m; done
decode_sweep 3 "2.9b-q4_k_m 2.9b-f16" "" "RWKV_L1_STACK_FIRST=1"
for m in 2.9b-q4_k_m 2.9b-f16; do
  for r in 1 2 3; do
    for v in RWKV_L1_STACK_FIRST=0 RWKV_L1_STACK_FIRST=1; do
      echo "-- $m $v: $(pass_figs $m $v)"
    done
  done
done
