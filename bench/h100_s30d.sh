#!/bin/bash
# bench/h100_s30d.sh - rows16 in the 10 fields' pass, decoded beside the one-kernel WKV step:
# the FFN value, key and r / k / v from 64 rows (RWKV_FFN / FFK / RKV_F16_MIN=64) against the
# defaults, fields_ms, three interleaved rounds (2.9B / 1.5B / 0.4B Q4_K_M); single sequences
# of 128 and 200 tokens (bench-profile, 4 passes) with the value's from 64.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 1.5b-q4_k_m 0.4b-q4_k_m
fields_sweep 3 "2.9b-q4_k_m 1.5b-q4_k_m 0.4b-q4_k_m" "" RWKV_FFN_F16_MIN=64 "RWKV_FFN_F16_MIN=64 RWKV_FFK_F16_MIN=64" \
  "RWKV_FFN_F16_MIN=64 RWKV_RKV_F16_MIN=64" "RWKV_FFN_F16_MIN=64 RWKV_FFK_F16_MIN=64 RWKV_RKV_F16_MIN=64"
tokens_sweep 2 2.9b-q4_k_m "128 200" "" RWKV_FFN_F16_MIN=64
