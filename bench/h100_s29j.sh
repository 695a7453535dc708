#!/bin/bash
# bench/h100_s29j.sh - session 29: the Q4_K_M's r|k stack dispatched before its lone Q6_K v
# (RWKV_RKV_STACK_FIRST=1) against after: decode ms a token, pp512, the 10 fields, three rounds.
# Needs a build of 1b8e00d (the knob; kept as the decode order, T == 1, without it).
. bench/h100_env.sh
ls /tmp/m-2.9b-q4_k_m.gguf > /dev/null 2>&1 || gen_models 2.9b-q4_k_m
decode_sweep 3 2.9b-q4_k_m "" "RWKV_RKV_STACK_FIRST=1"
for r in 1 2 3; do
  for v in RWKV_RKV_STACK_FIRST=0 RWKV_RKV_STACK_FIRST=1; do
    echo "-- $v: $(pass_figs 2.9b-q4_k_m $v)"
  done
done
