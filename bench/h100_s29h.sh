#!/bin/bash
# bench/h100_s29h.sh - session 29: the order of r / k / v and the LoRA first stages in their
# batch: by the rule (RWKV_LORA1_FIRST empty: the longer workgroups first), r / k / v first (=0,
# the order before) and the LoRA stages first (=1): pp512 (bench-profile), the 10 fields
# (fields_ms) and a 1024-token pass (document state's prefill), three interleaved rounds.
# (The first call of this script, without the rule, compared =0 and =1 alone.)
. bench/h100_env.sh
for m in 2.9b-f16 2.9b-q4_k_m 0.1b-f16; do ls /tmp/m-$m.gguf > /dev/null 2>&1 || gen_models $m; done
for m in 2.9b-f16 2.9b-q4_k_m 0.1b-f16; do
  for r in 1 2 3; do
    for v in RWKV_LORA1_FIRST= RWKV_LORA1_FIRST=0 RWKV_LORA1_FIRST=1; do
      echo "-- $m $v: $(pass_figs $m $v)"
    done
  done
done
