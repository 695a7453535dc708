#!/bin/bash
# Session 28's last call: the full session run (bench/h100_session.sh; TITLE / CHANGE from the
# environment), then rwkv-loadtime's load to the first token (LOADTIME_FIRST=2, four loads a
# process) with the program touch on and off (RWKV_PROGRAM_TOUCH=0), two interleaved rounds.
B=${B:-build-h100} bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
grep -A12 "== tests on the GPU" "$OUT/session.txt" | head -14
grep -h "| load (warm\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV" "$OUT/RESULTS-gpu.md" | cut -d'|' -f2,7,8 | cut -c1-130
repeat_loads 2 2.9b-q4_k_m 4 "RWKV_PROGRAM_TOUCH=1 LOADTIME_FIRST=2" \
  "RWKV_PROGRAM_TOUCH=0 LOADTIME_FIRST=2"
