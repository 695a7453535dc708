#!/bin/bash
# bench/h100_s31g.sh - decode's residual adds left to the layer norms (RWKV_RES_EARLY: no
# barrier after Wo and the FFN value, which write their outputs apart; the norms after them
# add them to x as they read it, waiting on their marks; a fold beside the next r / k / v):
# the GPU tests that decode, the fingerprints, then decode with both early starts (default),
# the WKV step's alone (RWKV_RES_EARLY=0) and neither, three interleaved rounds.
. bench/h100_env.sh
gpu_tests test_forward test_generate test_wkv test_quant_model
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m
fingerprints 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep 3 "2.9b-q4_k_m 2.9b-f16 0.1b-f16 1.5b-q4_k_m" "" RWKV_RES_EARLY=0 "RWKV_WKV_EARLY=0 RWKV_RES_EARLY=0"
