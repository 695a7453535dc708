#!/bin/bash
# bench/h100_s32g.sh - session 32's review build (ab3cc32: forward_chain gone, ln_mix's marked
# ranges through one helper; greedy lead passes only under 1 GiB) on the GPU: the tests it
# touches, the fingerprints, decode a token and greedy tg128.
. bench/h100_env.sh
gpu_tests test_forward test_generate test_gpu test_wkv test_quant_model
gen_models 0.1b-f16 2.9b-q4_k_m
fingerprints 0.1b-f16 2.9b-q4_k_m
decode_sweep 2 "0.1b-f16 2.9b-q4_k_m" ""
for m in 0.1b-f16 2.9b-q4_k_m; do
  echo "-- $m: $("$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen" | cut -d'|' -f8)"
done
