#!/bin/bash
# bench/h100_s30b.sh - Wo inside the WKV kernel, second form (hoisted unit loads, channel-major
# sums): fingerprints and decode ms a token against RWKV_WKV_WO=0, rows a batch (RWKV_WKV_WO_RB)
# and the layer norm's width (RWKV_WKV_WO_LNWG), two interleaved rounds.
. bench/h100_env.sh
gpu_tests test_forward test_quant_model
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  echo "$m $("$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*")"
done
decode_sweep 2 "2.9b-q4_k_m 0.1b-f16 2.9b-f16" RWKV_WKV_WO=0 "" RWKV_WKV_WO_RB=1 RWKV_WKV_WO_RB=5 RWKV_WKV_WO_LNWG=512
