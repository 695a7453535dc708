#!/bin/bash
# Needs a build of 1de2610 (chained dispatches, reverted in 82db634 / 781daf6).
# Session 26: what chained dispatches cost: RWKV_CHAIN=3 (every workgroup counts itself, no
# section: the counting alone), =2 (sections without coherent reads: unsafe, measurement only),
# =1 against the barriers; decode per token, two interleaved rounds.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
dm() { timeout 120 env "${@:2}" BENCH_OUTPUT=none "$B/bench-profile" "$1" 1 300 2>&1 | tail -1 | sed 's/.*tokens: //;s/ per pass//'; }
for m in 0.1b-f16 2.9b-f16 2.9b-q4_k_m; do
  for v in "" RWKV_CHAIN=1 RWKV_CHAIN=2 RWKV_CHAIN=3; do dm /tmp/m-$m.gguf $v > /dev/null; done
  for r in 1 2; do
    for v in "" RWKV_CHAIN=1 RWKV_CHAIN=2 RWKV_CHAIN=3; do echo "-- $m ${v:-default}: $(dm /tmp/m-$m.gguf $v)"; done
  done
done
