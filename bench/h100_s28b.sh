#!/bin/bash
# Session 28, second call: whether a load's first-token cost is the driver's first use of each
# buffer object: RWKV_LOAD_WARM=4 binds every buffer once in a one-invocation dispatch at the
# load's end, 5 each weight buffer right after its upload (1: a pass of one token at the end,
# as in h100_s28a.sh), three interleaved rounds of three loads (LOADTIME_FIRST=2).
. bench/h100_env.sh
for m in 2.9b-q4_k_m 0.1b-f16; do [ -f /tmp/m-$m.gguf ] || gen_models $m; done
warm_loads 2.9b-q4_k_m 0.1b-f16
for m in 2.9b-q4_k_m 0.1b-f16; do repeat_loads 3 $m 3 "RWKV_LOAD_WARM=0 LOADTIME_FIRST=2" \
  "RWKV_LOAD_WARM=4 LOADTIME_FIRST=2" "RWKV_LOAD_WARM=5 LOADTIME_FIRST=2" \
  "RWKV_LOAD_WARM=1 LOADTIME_FIRST=2"; done > "$OUT/s28b.txt"
grep -c . "$OUT/s28b.txt"
