#!/bin/bash
# Session 26's last call: the full session run (bench/h100_session.sh; TITLE / CHANGE from the
# environment), then the layer norms' slices in mid-sized passes against one a row
# (RWKV_LN_SPLIT=1, the rule before cc29995): 10 fields, three interleaved rounds.
B=${B:-build-h100} bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
grep -A12 "== tests on the GPU" "$OUT/session.txt" | head -14
grep -h "| load (warm) to\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV" "$OUT/RESULTS-gpu.md" | cut -d'|' -f2,7,8 | cut -c1-110
for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
  for r in 1 2 3; do
    echo "-- $m fields default: $(fields_ms $m); one slice a row: $(RWKV_LN_SPLIT=1 fields_ms $m)"
  done
done
