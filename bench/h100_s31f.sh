#!/bin/bash
# bench/h100_s31f.sh - with the WKV step's early start (24c428d), what leaving out the other
# decode barriers could win at most (RWKV_NOBAR, garbage out: after Wo, after the FFN value,
# both): two rounds, 2.9B Q4_K_M / F16, 0.1B F16.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" RWKV_NOBAR=wo RWKV_NOBAR=ffn_value RWKV_NOBAR=wo,ffn_value RWKV_NOBAR=wkv
