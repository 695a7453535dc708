#!/bin/bash
# Session 28: a load whose weight buffers were made at its start (sizes from the process's last
# load) and first used ahead, in the uploads' waits (RWKV_TOUCH_AHEAD=1, an experiment: a build
# of e32e323, branch s28-touch-ahead), against the default; rwkv-loadtime LOADTIME_FIRST=2, four
# loads a process (the first records the sizes), three interleaved rounds.
. bench/h100_env.sh
for m in 2.9b-q4_k_m 0.1b-f16 2.9b-f16; do [ -f /tmp/m-$m.gguf ] || gen_models $m; done
warm_loads 2.9b-q4_k_m 0.1b-f16 2.9b-f16
for m in 2.9b-q4_k_m 0.1b-f16 2.9b-f16; do
  repeat_loads 3 $m 4 "RWKV_TOUCH_AHEAD=0 LOADTIME_FIRST=2" "RWKV_TOUCH_AHEAD=1 LOADTIME_FIRST=2"
done > "$OUT/s28g.txt"
grep -c . "$OUT/s28g.txt"
