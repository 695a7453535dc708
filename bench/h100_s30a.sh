#!/bin/bash
# bench/h100_s30a.sh - Wo inside the WKV kernel (844f8e2, RWKV_WKV_WO): the GPU tests that run
# decode, the greedy fingerprints, and decode ms a token against RWKV_WKV_WO=0 and the
# experiment's knobs (RWKV_WKV_WO_LANES, RWKV_WKV_WO_LNWG), two interleaved rounds.
. bench/h100_env.sh
gpu_tests test_forward test_generate test_wkv
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  for v in RWKV_WKV_WO=0 RWKV_WKV_WO=1; do
    echo "$m $v $(env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*")"
  done
done
decode_sweep 2 "2.9b-q4_k_m 0.1b-f16 2.9b-f16" RWKV_WKV_WO=0 "" RWKV_WKV_WO_LANES=8 RWKV_WKV_WO_LANES=4 RWKV_WKV_WO_LNWG=256
