#!/bin/bash
# Session 28: a load whose weight buffers were made at its start (sizes from the process's last
# load) and first used ahead, in the uploads' waits (RWKV_TOUCH_AHEAD=1, an experiment: a build of e32e323, branch
# s28-touch-ahead), against the default; rwkv-loadtime LOADTIME_FIRST=2, four loads a process
# (the first records the sizes), three interleaved rounds.
. bench/h100_env.sh
for m in 2.9b-q4_k_m 0.1b-f16 2.9b-f16; do [ -f /tmp/m-$m.gguf ] || gen_models $m; done
for m in 2.9b-q4_k_m 0.1b-f16 2.9b-f16; do
  "$B/rwkv-loadtime" /tmp/m-$m.gguf 1 > /dev/null 2>&1
  for r in 1 2 3; do
    for t in 0 1; do
      echo "-- $m ahead=$t round $r"
      RWKV_TOUCH_AHEAD=$t LOADTIME_FIRST=2 "$B/rwkv-loadtime" /tmp/m-$m.gguf 4
    done
  done
done > "$OUT/s28g.txt" 2>&1
grep -c . "$OUT/s28g.txt"
