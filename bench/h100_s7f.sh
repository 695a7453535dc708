#!/bin/bash
# bench/h100_s7f.sh - session 7: model load with the mapping's page tables filled while the
# context opens (default) against RWKV_PREFAULT=0, interleaved (rwkv-loadtime, warm loads),
# then rwkv-bench's load rows both ways.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 2 > /dev/null
  load_sweep 3 2.9b-q4_k_m 4 "" "RWKV_PREFAULT=0"
  load_sweep 2 2.9b-f16 3 "" "RWKV_PREFAULT=0"
  bench_sweep 2 "2.9b-q4_k_m" "--repeat 5 --prefill 64 --decode 8 --doc 64 --cold" 'load' "" "RWKV_PREFAULT=0"
} 2>&1 | tee "$OUT/s7f.txt"
