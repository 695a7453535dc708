#!/bin/bash
# Session 27: split-K pieces of the 10 fields' r / k / v + LoRA-1 batch (r|k stack, v and the
# LoRA first stages run as one batch without a barrier, each aiming at one wave of 528
# workgroups on its own: 560 + 560 + 160 for the Q4_K_M), per shape through RWKV_MM_SPLIT_KM
# (fields_ms's second argument; 2560:2560 is Wo's shape too), two interleaved rounds.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 2.9b-f16
for m in 2.9b-q4_k_m 2.9b-f16; do
  fields_ms $m > /dev/null
  for r in 1 2; do
    for v in "" 2560:5120:4 2560:5120:5 2560:5120:10 2560:2560:7 2560:2560:10 2560:2560:20 \
             2560:480:4 2560:480:8 2560:7680:3 2560:7680:4 2560:7680:7 \
             2560:5120:4,2560:2560:7,2560:480:4; do
      echo "-- $m ${v:-default}: $(fields_ms $m "$v")"
    done
  done
done
