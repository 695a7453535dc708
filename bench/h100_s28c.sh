#!/bin/bash
# Session 28, third call: whether a load's first-token cost is the driver's first use of each
# program: RWKV_LOAD_WARM=6 dispatches every program with no workgroups (an indirect buffer of
# zeros) at the load's end, 7 each program right after its build (in the uploads' waits), 8 as 6
# with glDispatchCompute(0, 1, 1); RWKV_POOL_SLOTS=1: the state pool made for one state, not
# four (the first state's cost). Three interleaved rounds of three loads (LOADTIME_FIRST=2).
. bench/h100_env.sh
for m in 2.9b-q4_k_m 0.1b-f16; do [ -f /tmp/m-$m.gguf ] || gen_models $m; done
warm_loads 2.9b-q4_k_m 0.1b-f16
for m in 2.9b-q4_k_m 0.1b-f16; do repeat_loads 3 $m 3 "RWKV_LOAD_WARM=0 LOADTIME_FIRST=2" \
  "RWKV_LOAD_WARM=6 LOADTIME_FIRST=2" "RWKV_LOAD_WARM=7 LOADTIME_FIRST=2" \
  "RWKV_LOAD_WARM=8 LOADTIME_FIRST=2" "RWKV_LOAD_WARM=7 RWKV_POOL_SLOTS=1 LOADTIME_FIRST=2" \
  "RWKV_LOAD_WARM=0 RWKV_POOL_SLOTS=1 LOADTIME_FIRST=2"; done > "$OUT/s28c.txt"
grep -c . "$OUT/s28c.txt"
