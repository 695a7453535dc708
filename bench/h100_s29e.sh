#!/bin/bash
# bench/h100_s29e.sh - session 29: the decode WKV step's LoRA weights and S touched beside the
# r / k / v step before it (RWKV_WKV_TOUCH=S: a word every S), decode ms a token, three rounds.
# Needs a build of 63658f1 (reverted: every setting lost).
. bench/h100_env.sh
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do ls /tmp/m-$m.gguf > /dev/null 2>&1 || gen_models $m; done
decode_sweep 3 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" "" "RWKV_WKV_TOUCH=32" "RWKV_WKV_TOUCH=512" "RWKV_WKV_TOUCH=16384"
