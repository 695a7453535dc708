#!/bin/bash
# Session 28, second call: whether a load's first-token cost is the driver's first use of each
# buffer object: RWKV_LOAD_WARM=4 binds every buffer once in a one-invocation dispatch at the
# load's end, 5 each weight buffer right after its upload (1: a pass of one token at the end,
# as in h100_s28a.sh), three interleaved rounds of three loads (LOADTIME_FIRST=2).
. bench/h100_env.sh
for m in 2.9b-q4_k_m 0.1b-f16; do [ -f /tmp/m-$m.gguf ] || gen_models $m; done
for m in 2.9b-q4_k_m 0.1b-f16; do
  "$B/rwkv-loadtime" /tmp/m-$m.gguf 1 > /dev/null 2>&1
  for r in 1 2 3; do
    for w in 0 4 5 1; do
      echo "-- $m warm=$w round $r"
      RWKV_LOAD_WARM=$w LOADTIME_FIRST=2 "$B/rwkv-loadtime" /tmp/m-$m.gguf 3 2>&1 | grep -v "^  [pcu]"
    done
  done
done > "$OUT/s28b.txt"
grep -c . "$OUT/s28b.txt"
