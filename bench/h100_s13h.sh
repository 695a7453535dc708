#!/bin/bash
# bench/h100_s13h.sh - session 13: is the first state's 4-7 ms (2.9B Q4_K_M) the context's first
# dispatch? RWKV_WARM=1 dispatches once right after the context opens, =2 before the load's final
# wait: LOADTIME_FIRST=1 rwkv-loadtime (three loads each), then rwkv-bench's load to the first
# token (--repeat 5, the other figures cut short), two interleaved rounds.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 0.1b-f16
  for m in 2.9b-q4_k_m 0.1b-f16; do
    for w in 0 1 2; do
      echo "-- first $m RWKV_WARM=$w"
      RWKV_WARM=$w LOADTIME_FIRST=1 "$B/rwkv-loadtime" /tmp/m-$m.gguf 3 | grep -E "^load|first"
    done
  done
  bench_sweep 3 "2.9b-q4_k_m" "--repeat 5 --prefill 16 --decode 0 --doc 16" "load \(warm" RWKV_WARM=0 RWKV_WARM=1 RWKV_WARM=2
} 2>&1 | tee "$OUT/s13h.txt"
