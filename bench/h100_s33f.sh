#!/bin/bash
# bench/h100_s33f.sh - session 33's last call, at fb7cb4a (build-h100; decode's dispatch
# counters on by default): the full run (bench/h100_session.sh; TITLE / CHANGE from the
# environment) and its quoted lines, then the 0.1B's greedy chain with NVIDIA's threaded GL
# (__GL_THREADED_OPTIMIZATIONS=1: the CPU's queueing moved to a driver thread) against without,
# now that the 0.1B's GPU time a token (~0.51 ms) is below the CPU's (~0.5-0.6).
. bench/h100_env.sh
B=build-h100 bash bench/h100_session.sh > /dev/null 2>&1
grep -A12 "== tests on the GPU" "$OUT/session.txt" | head -14
grep -h "| load (warm\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV\|GPU memory" "$OUT/RESULTS-gpu.md" | cut -d'|' -f2,7,8 | cut -c1-130
echo "== 0.1B greedy tg128, threaded GL off / on"
for r in 1 2; do
  for t in 0 1; do
    echo "-- threaded $t: $(__GL_THREADED_OPTIMIZATIONS=$t "$B/rwkv-bench" /tmp/m-0.1b-f16.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen" | cut -d'|' -f8)"
  done
done
