#!/bin/bash
# bench/h100_s4g.sh - session 4: prefill with the LoRA second stages' matmuls not waiting on
# each other ($B, 0577686+) against the final call's build ($A, 9b33af4), interleaved
# (bench-profile MODEL 512 4, logits of the last row).
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
P() { "$1/bench-profile" "$F" 512 4 2>&1 | tail -1 | sed 's/.*tokens: //;s/ per pass//'; }
{
  gen_models 2.9b-q4_k_m 0.1b-f16
  for m in 2.9b-q4_k_m 0.1b-f16; do
    F=/tmp/m-$m.gguf
    P $B >/dev/null
    for r in 1 2 3; do echo "-- $m pp512: $A $(P $A) | $B $(P $B)"; done
  done
} 2>&1 | tee "$OUT/s4g.txt"
