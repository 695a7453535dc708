#!/bin/bash
# bench/h100_s30c.sh - the FFN value's Q6_K layers on f16 rows in the 10 fields' pass
# (RWKV_FFN_F16_Q6K_MIN), decoded beside the one-kernel WKV step or before the matmul
# (RWKV_R16_BESIDE=0), and every layer's value so (RWKV_FFN_F16_MIN=64): fields_ms, three
# interleaved rounds; the fingerprint with it on.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 1.5b-q4_k_m
for m in 2.9b-q4_k_m 1.5b-q4_k_m; do
  echo "$m $(RWKV_FFN_F16_Q6K_MIN=64 "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*")"
  fields_sweep 3 $m "" RWKV_FFN_F16_Q6K_MIN=64 "RWKV_FFN_F16_Q6K_MIN=64 RWKV_R16_BESIDE=0" RWKV_FFN_F16_MIN=64 \
    "RWKV_FFN_F16_MIN=64 RWKV_R16_BESIDE=0"
done
