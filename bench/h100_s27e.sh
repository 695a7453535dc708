#!/bin/bash
# Session 27's last call: the full session run (bench/h100_session.sh; TITLE / CHANGE from the
# environment), then the 10 fields with this session's split-K rules against the rules before
# them (RWKV_MM_SPLIT_SMALL_FLOOR=0 RWKV_MM_SPLIT_SLICES_SMALL=4: the code of 763c5d5), three
# interleaved rounds on the 2.9B Q4_K_M / F16, 1.5B Q4_K_M and 0.1B F16.
B=${B:-build-h100} bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
grep -A12 "== tests on the GPU" "$OUT/session.txt" | head -14
grep -h "| load (warm) to\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV" "$OUT/RESULTS-gpu.md" | cut -d'|' -f2,7,8 | cut -c1-110
gen_models 1.5b-q4_k_m
for m in 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m 0.1b-f16; do
  for r in 1 2 3; do
    echo "-- $m fields now: $(fields_ms $m); before: $(RWKV_MM_SPLIT_SMALL_FLOOR=0 RWKV_MM_SPLIT_SLICES_SMALL=4 fields_ms $m)"
  done
done
