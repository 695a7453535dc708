#!/bin/bash
# bench/h100_s33a.sh - session 33: what the decode boundaries still kept by barriers cost
# (RWKV_NOBAR, extended to ln_att / ln_ffn / ffn_key with the residual adds' early start left
# on; garbage out): an upper bound for starting r / k / v, the FFN key and the FFN value early.
# (Ran on 14e4fd7 with the RWKV_NOBAR extension of fb7cb4a; at fb7cb4a and later the default
# rows have the dispatch counters on, which RWKV_NOBAR turns off.)
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep 2 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" "" RWKV_NOBAR=ln_att RWKV_NOBAR=ln_ffn RWKV_NOBAR=ffn_key \
  RWKV_NOBAR=ln_att,ln_ffn,ffn_key
