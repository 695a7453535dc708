#!/bin/bash
# bench/h100_s31d.sh - decode's WKV step started early (RWKV_WKV_EARLY, on by default on GPUs):
# the GPU tests that decode, the fingerprints, then decode against RWKV_WKV_EARLY=0 in three
# interleaved rounds (2.9B Q4_K_M / F16, 0.1B F16).
. bench/h100_env.sh
gpu_tests test_forward test_generate test_wkv
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m
fingerprints 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep 3 "2.9b-q4_k_m 2.9b-f16 0.1b-f16 1.5b-q4_k_m" "" RWKV_WKV_EARLY=0
