#!/bin/bash
# bench/h100_s33h.sh - session 33: which edges of the dispatch counters together fail test_wkv
# (each alone passes, h100_s33g.sh), with the residual adds' early start on and off.
. bench/h100_env.sh
for r in "" RWKV_RES_EARLY=0 RWKV_RES_EARLY=1; do
  for d in 3 5 6 7 9 10 12 15; do
    env $r RWKV_DSYNC=$d "$B/test_wkv" > "$OUT/w.txt" 2>&1
    echo "== ${r:-res default} DSYNC=$d: $(tail -1 "$OUT/w.txt") $(grep "CHECK failed" "$OUT/w.txt" | sed 's/.*CHECK failed: [^:]*: //' | cut -d: -f1 | sort | uniq -c | sort -rn | head -2 | tr '\n' ' ')"
  done
done
