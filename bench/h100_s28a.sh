#!/bin/bash
# Session 28, first call: what a load's first state and first token cost (LOADTIME_FIRST=2:
# state, first token with its logits, second token) with warm-ups at the load's end
# (RWKV_LOAD_WARM, an experiment: 1 a pass of one token without output, 2 with the logits read
# back, 3 the state pool's first use only), three interleaved rounds of three loads.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 0.1b-f16
warm_loads 2.9b-q4_k_m 0.1b-f16
for m in 2.9b-q4_k_m 0.1b-f16; do repeat_loads 3 $m 3 "RWKV_LOAD_WARM=0 LOADTIME_FIRST=2" \
  "RWKV_LOAD_WARM=1 LOADTIME_FIRST=2" "RWKV_LOAD_WARM=2 LOADTIME_FIRST=2" \
  "RWKV_LOAD_WARM=3 LOADTIME_FIRST=2"; done
