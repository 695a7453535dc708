#!/bin/bash
# bench/h100_s31i.sh - RWKV_RES_EARLY with the layer norms' tries in rounds (every value still
# marked read again at once): the decoding GPU tests, fingerprints, then both boundaries
# (default), the FFN value's alone (2) and neither (0), three interleaved rounds. Mode 2 needs a
# build of ff0ae78 (taken out in review after it).
. bench/h100_env.sh
gpu_tests test_forward test_generate
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m
fingerprints 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep 3 "2.9b-f16 2.9b-q4_k_m 0.1b-f16 1.5b-q4_k_m" "" RWKV_RES_EARLY=2 RWKV_RES_EARLY=0
