#!/bin/bash
# bench/h100_s29c.sh - session 29: the lazy head (RWKV_LAZY_HEAD=1) against the head loaded with
# the rest, rwkv-loadtime LOADTIME_FIRST=3 (a new state, the first token's embedding, then its
# logits and a second token's), three interleaved rounds of four loads of each model.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 0.1b-f16 2.9b-f16
for m in 2.9b-q4_k_m 0.1b-f16 2.9b-f16; do
  repeat_loads 3 $m 4 "LOADTIME_FIRST=3 RWKV_LAZY_HEAD=0" "LOADTIME_FIRST=3 RWKV_LAZY_HEAD=1"
done 2>&1 | grep -E "^--|^load|first embedding|first token" | sed 's/ (open.*finish [0-9.]*)//'
