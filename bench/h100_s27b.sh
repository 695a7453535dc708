#!/bin/bash
# Session 27: short passes' split-K pieces from the target's floor (RWKV_MM_SPLIT_SMALL_FLOOR=1:
# quantized weights, 2: all) against the ceiling (the rule), 10 fields (fields_ms), three
# interleaved rounds, on the 2.9B / 1.5B Q4_K_M and the 2.9B F16.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 1.5b-q4_k_m 2.9b-f16
for m in 2.9b-q4_k_m 1.5b-q4_k_m 2.9b-f16; do
  fields_ms $m > /dev/null
  for r in 1 2 3; do
    for v in "" 1 2; do
      echo "-- $m floor ${v:-default}: $(RWKV_MM_SPLIT_SMALL_FLOOR=$v fields_ms $m)"
    done
    [ $m = 2.9b-q4_k_m ] && echo "-- $m 2560:7680:4: $(fields_ms $m 2560:7680:4)"
    [ $m = 2.9b-q4_k_m ] && echo "-- $m floor 1, 2560:5120:4: $(RWKV_MM_SPLIT_SMALL_FLOOR=1 fields_ms $m 2560:5120:4)"
  done
done
