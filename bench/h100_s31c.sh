#!/bin/bash
# bench/h100_s31c.sh - what overlapping a decode step with the one before could win at most:
# RWKV_NOBAR (a diagnostic; garbage out) leaves the barrier after r / k / v + LoRA-1 (rkv),
# after the WKV step (wkv) or after Wo (wo) out; two rounds, 2.9B Q4_K_M / F16, 0.1B F16.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" RWKV_NOBAR=rkv RWKV_NOBAR=wkv RWKV_NOBAR=wo RWKV_NOBAR=rkv,wkv,wo "RWKV_NOBAR=rkv RWKV_WKV_CUT=1"
