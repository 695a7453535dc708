#!/bin/bash
# bench/h100_s31e.sh - decode's Wo started early too (RWKV_WO_EARLY: no barrier after the WKV
# step, Wo's workgroups waiting on its done count): the GPU tests that decode, the
# fingerprints, then decode with both (default), the WKV step's alone (RWKV_WO_EARLY=0) and
# neither (RWKV_WKV_EARLY=0) in three interleaved rounds. Needs a build of 4d3e067 (reverted in
# 2eb5434).
. bench/h100_env.sh
gpu_tests test_forward test_generate test_wkv test_quant_model
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m
fingerprints 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep 3 "2.9b-q4_k_m 2.9b-f16 0.1b-f16 1.5b-q4_k_m" "" RWKV_WO_EARLY=0 RWKV_WKV_EARLY=0
