#!/bin/bash
# Session 26: layer norms of the 10 fields' 160 rows split over several workgroups a row
# (RWKV_LN_SPLIT=N: N channel slices a row, each recomputing the row's statistics; the
# default splits only passes of fewer than 16 rows). 10 fields (ms a pass), two rounds; pp512.
. bench/h100_env.sh
gen_models 2.9b-f16 2.9b-q4_k_m 0.1b-f16
for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
  fields_ms $m > /dev/null
  for r in 1 2; do
    line="-- $m fields default: $(fields_ms $m)"
    for n in 2 3 4 6; do line="$line; $n: $(RWKV_LN_SPLIT=$n fields_ms $m)"; done
    echo "$line"
  done
done
for m in 2.9b-q4_k_m; do
  for r in 1 2; do
    echo "-- $m pp512 default: $(pass_ms $m)"
    echo "-- $m pp512 split 2: $(pass_ms $m RWKV_LN_SPLIT=2)"
  done
done
