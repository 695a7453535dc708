#!/bin/bash
# bench/h100_s32d.sh - session 32's last call, at eae6168 (build-h100) with dc2db5f's build as
# build-h100b (decode flushes as now, the residual adds' fold beside every layer's r / k / v):
# decode of the two builds, interleaved (bench-profile's unread passes, rwkv-bench's greedy
# chain), then the full run (bench/h100_session.sh; TITLE / CHANGE from the environment) and
# its quoted lines.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m
echo "== decode a token, dc2db5f (build-h100b) against eae6168 (build-h100)"
decode_ab 3 0.1b-f16 build-h100b build-h100
decode_ab 3 2.9b-q4_k_m build-h100b build-h100
echo "== rwkv-bench greedy tg128"
for m in 0.1b-f16 2.9b-q4_k_m; do
  for r in 1 2; do
    for b in build-h100b build-h100; do
      echo "-- $m $b: $("$b/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen\|FNV" | cut -d'|' -f7,8 | tr '\n' ' ')"
    done
  done
done
B=build-h100 bash bench/h100_session.sh > /dev/null 2>&1
grep -A12 "== tests on the GPU" "$OUT/session.txt" | head -14
grep -h "| load (warm\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV\|GPU memory" "$OUT/RESULTS-gpu.md" | cut -d'|' -f2,7,8 | cut -c1-130
