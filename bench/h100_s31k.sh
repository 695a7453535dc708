#!/bin/bash
# Session 31's last call: the full run (bench/h100_session.sh; TITLE / CHANGE from the
# environment) with decode's WKV step and residual adds started early, the quoted lines, then
# decode against RWKV_RES_EARLY=0 and against neither early start, two interleaved rounds.
B=${B:-build-h100} bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
grep -A12 "== tests on the GPU" "$OUT/session.txt" | head -14
grep -h "| load (warm\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV" "$OUT/RESULTS-gpu.md" | cut -d'|' -f2,7,8 | cut -c1-130
gen_models 1.5b-q4_k_m
decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16 1.5b-q4_k_m" "" RWKV_RES_EARLY=0 "RWKV_WKV_EARLY=0 RWKV_RES_EARLY=0"
