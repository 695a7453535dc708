#!/bin/bash
# bench/h100_s31b.sh - what the decode WKV step is made of now (2.9B Q4_K_M / F16, 0.1B F16):
# RWKV_WKV_CUT bits (1 no LoRA dots, 2 no state loads / stores, 4 no walk over S, 8 no
# group-norm sums, 16 no kk-norm sum; garbage out), RWKV_TWICE=wkv (a warm repeat), the step
# left out, and the LoRA second stages as matmuls (RWKV_WKV_LORA_FUSE=0); two rounds.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" RWKV_WKV_CUT=1 RWKV_WKV_CUT=2 RWKV_WKV_CUT=4 RWKV_WKV_CUT=8 RWKV_WKV_CUT=16 RWKV_WKV_CUT=31 RWKV_TWICE=wkv RWKV_SKIP=wkv RWKV_WKV_LORA_FUSE=0 RWKV_WKV_HOIST=0
