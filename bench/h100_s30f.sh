#!/bin/bash
# Session 30's last call: the full run (bench/h100_session.sh; TITLE / CHANGE from the
# environment) at the FFN value's f16 rows from 128 rows, the quoted lines, then the 10 fields
# against the rule before (RWKV_FFN_F16_MIN=257) in three interleaved rounds (2.9B / 1.5B
# Q4_K_M) and the decodes' grid rows beside the one-kernel WKV step (RWKV_DQ_ROWS).
B=${B:-build-h100} bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
grep -A12 "== tests on the GPU" "$OUT/session.txt" | head -14
grep -h "| load (warm\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV" "$OUT/RESULTS-gpu.md" | cut -d'|' -f2,7,8 | cut -c1-130
gen_models 1.5b-q4_k_m
fields_sweep 3 "2.9b-q4_k_m 1.5b-q4_k_m" "" RWKV_FFN_F16_MIN=257
fields_sweep 2 2.9b-q4_k_m RWKV_DQ_ROWS=128 "" RWKV_DQ_ROWS=512 RWKV_DQ_ROWS=0
