#!/bin/bash
# Session 28, first call: what a load's first state and first token cost (LOADTIME_FIRST=2:
# state, first token with its logits, second token) with warm-ups at the load's end
# (RWKV_LOAD_WARM, an experiment: 1 a pass of one token without output, 2 with the logits read
# back, 3 the state pool's first use only), three interleaved rounds of three loads.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 0.1b-f16
for m in 2.9b-q4_k_m 0.1b-f16; do
  "$B/rwkv-loadtime" /tmp/m-$m.gguf 1 > /dev/null 2>&1
  for r in 1 2 3; do
    for w in 0 1 2 3; do
      echo "-- $m warm=$w round $r"
      RWKV_LOAD_WARM=$w LOADTIME_FIRST=2 "$B/rwkv-loadtime" /tmp/m-$m.gguf 3 2>&1 | grep -v "^  [pcu]"
    done
  done
done
