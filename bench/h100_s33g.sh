#!/bin/bash
# bench/h100_s33g.sh - session 33: test_wkv failed on the GPU in the final run (s33f) with the
# dispatch counters on by default: its first failures with each edge alone.
. bench/h100_env.sh
for v in "" RWKV_DSYNC=0 RWKV_DSYNC=1 RWKV_DSYNC=2 RWKV_DSYNC=4 RWKV_DSYNC=8; do
  env $v RWKV_DSYNC_CHECK=1 "$B/test_wkv" > "$OUT/w.txt" 2>&1
  echo "== ${v:-default}: $(tail -1 "$OUT/w.txt")"; grep "CHECK failed" "$OUT/w.txt" | cut -c1-220 | head -4
  grep -c "CHECK failed" "$OUT/w.txt"; grep "CHECK failed" "$OUT/w.txt" | sed 's/.*CHECK failed: [^:]*: //' | cut -d: -f1 | sort | uniq -c | sort -rn | head -6
done
