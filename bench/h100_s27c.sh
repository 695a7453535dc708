#!/bin/bash
# Session 27: the 10 fields' LoRA split-K pieces per shape (RWKV_MM_SPLIT_KM through
# fields_ms): the gate's second stage (K = 320 into 2560 rows, 5 pieces by the rule; 1 needs
# no reduce) and the LoRA first stages' f16 stack (2560 x 480, 16 pieces), two interleaved
# rounds, after 022e9f0 (quantized rows floored in short passes).
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 2.9b-f16
for m in 2.9b-q4_k_m 2.9b-f16; do
  fields_ms $m > /dev/null
  for r in 1 2; do
    for v in "" 320:2560:1 320:2560:2 320:2560:3 2560:480:20 2560:480:32 2560:480:24,2560:416:24; do
      echo "-- $m ${v:-default}: $(fields_ms $m "$v")"
    done
  done
done
