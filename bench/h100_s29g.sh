#!/bin/bash
# Session 29's full run (bench/h100_session.sh; TITLE / CHANGE from the environment), then the
# lines that the session's notes quote.
B=${B:-build-h100} bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
grep -A12 "== tests on the GPU" "$OUT/session.txt" | head -14
grep -h "| load (warm\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV" "$OUT/RESULTS-gpu.md" | cut -d'|' -f2,7,8 | cut -c1-130
grep -A3 "^load 0" "$OUT/session.txt" | head -8
