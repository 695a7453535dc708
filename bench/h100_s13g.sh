#!/bin/bash
# bench/h100_s13g.sh - session 13: (1) when glFinish is slow: LOADTIME_FIRST=1 rwkv-loadtime's
# passes waited for by glFinish after a read-back, after a glFinish and after a fence (three loads,
# 2.9B Q4_K_M and 0.1B F16); (2) rwkv-bench at f789591 (build-h100b: glFinish waits, no queued
# programs, no streaming stores) against this build (fence waits), two interleaved rounds on the
# 2.9B Q4_K_M; (3) warm loads of the two builds, four rounds of three.
set -u
. bench/h100_env.sh
BASE=build-h100b
{
  gen_models 2.9b-q4_k_m 0.1b-f16
  for m in 2.9b-q4_k_m 0.1b-f16; do
    echo "-- first $m"
    LOADTIME_FIRST=1 "$B/rwkv-loadtime" /tmp/m-$m.gguf 3 | grep -E "first"
  done
  bench_sweep 2 "2.9b-q4_k_m" "--repeat 3" "load \(warm|pp512 \(|tg128 \(rwkv_gen|doc state|10 fields" @$BASE @$B
  load_sweep 4 2.9b-q4_k_m 3 base ""
} 2>&1 | tee "$OUT/s13g.txt"
python3 bench/load_summary.py "$OUT/s13g.txt"
