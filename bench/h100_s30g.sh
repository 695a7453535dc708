#!/bin/bash
# bench/h100_s30g.sh - r / k / v's lone Q6_K v on f16 rows in short passes (RWKV_LONE_F16_MIN)
# beside the FFN value's: the 10 fields (fields_ms) and single sequences of 128 / 200 tokens,
# three interleaved rounds (2.9B / 1.5B Q4_K_M); the fingerprint with it on.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 1.5b-q4_k_m
fields_sweep 3 "2.9b-q4_k_m 1.5b-q4_k_m" "" RWKV_LONE_F16_MIN=128 RWKV_LONE_F16_MIN=64
tokens_sweep 2 2.9b-q4_k_m "128 200" "" RWKV_LONE_F16_MIN=128
RWKV_LONE_F16_MIN=128 gpu_tests test_quant_model
