#!/bin/bash
# bench/h100_s12g.sh - session 12: what the first token after a load costs beside the second
# (rwkv-bench's load notes: state, first token, second token), 2.9B Q4_K_M / F16 and 0.1B F16.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    echo "-- $m"
    "$B/rwkv-bench" /tmp/m-$m.gguf --repeat 5 --prefill 16 --decode 0 --doc 16 2>&1 | grep 'load'
  done
} 2>&1 | tee "$OUT/s12g.txt"
