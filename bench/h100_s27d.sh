#!/bin/bash
# Session 27: the fewest K slices a split-K piece takes in passes of at most two token tiles
# (RWKV_MM_SPLIT_SLICES_SMALL, 4 before; the 2.9B gate's K = 320 second stage: 5 pieces with
# 4, 3 with 6, 2 with 8), 10 fields (fields_ms), two interleaved rounds.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m 0.1b-f16
for m in 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m 0.1b-f16; do
  fields_ms $m > /dev/null
  for r in 1 2; do
    for v in 4 5 6 7 8; do
      echo "-- $m slices $v: $(RWKV_MM_SPLIT_SLICES_SMALL=$v fields_ms $m)"
    done
  done
done
