#!/bin/bash
# bench/h100_s13f.sh - session 13: h100_s13e.sh's slow passes without output (13-17 ms against
# 4.4-4.9 with logits, 2.9B Q4_K_M; 7 ms against 0.9, 0.1B): waited for by glFinish or a fence,
# queued alone, an idle glFinish (LOADTIME_FIRST=1 rwkv-loadtime, three loads each); and the
# load's final wait through a fence (RWKV_LOAD_WAIT=fence) against glFinish, four interleaved
# rounds of three loads of the 2.9B Q4_K_M.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 0.1b-f16
  for m in 2.9b-q4_k_m 0.1b-f16; do
    echo "-- first $m"
    LOADTIME_FIRST=1 "$B/rwkv-loadtime" /tmp/m-$m.gguf 3 | grep -E "first"
  done
  load_sweep 4 2.9b-q4_k_m 3 "" RWKV_LOAD_WAIT=fence
} 2>&1 | tee "$OUT/s13f.txt"
python3 bench/load_summary.py "$OUT/s13f.txt"
grep -A0 "^load" "$OUT/s13f.txt" | sed 's/.*finish \([0-9.]*\).*/\1/' | tr '\n' ' '
