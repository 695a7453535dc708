#!/bin/bash
# bench/h100_s31h.sh - RWKV_RES_EARLY's parts and its polls: both boundaries (1, default), the
# FFN value's alone (2), neither (0), and waits between the layer norms' tries
# (RWKV_LN_PAUSE multiply-adds), two interleaved rounds; the fingerprints with each mode. Ran
# on a build between 24c428d and ff0ae78 (RWKV_LN_PAUSE was never committed; mode 2 is in
# ff0ae78, taken out in review after it).
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m
for v in 1 2; do for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  echo "RES=$v $m $(RWKV_RES_EARLY=$v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*")"
done; done
decode_sweep 2 "2.9b-f16 2.9b-q4_k_m 0.1b-f16 1.5b-q4_k_m" "" RWKV_RES_EARLY=2 RWKV_RES_EARLY=0 RWKV_LN_PAUSE=32 RWKV_LN_PAUSE=128 "RWKV_RES_EARLY=2 RWKV_LN_PAUSE=64"
