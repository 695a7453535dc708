#!/bin/bash
# bench/h100_s31a.sh - session 31's first call, at 977c2dc (session 30's review of rkv_dispatch,
# not yet run on a GPU): every GPU test, the fingerprints, then where the 10 fields' pass and a
# decode token go now (RWKV_PROFILE=1 steps of the fields' pass; RWKV_SKIP in the real chain).
. bench/h100_env.sh
gpu_tests test_gpu test_forward test_generate test_quant_model test_faults test_wkv test_lnfuse test_matmul
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
fingerprints 0.1b-f16 2.9b-q4_k_m 2.9b-f16
echo "== fields profile (2.9B Q4_K_M, us a layer)"
RWKV_PROFILE=1 RWKV_PROFILE_SKIP=2 BENCH_LENS=13,10,14,8,12,16,12,13,13,13 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 0 10 embed 2>&1 | tail -30
echo "== fields, RWKV_SKIP"
fields_sweep 2 2.9b-q4_k_m "" RWKV_SKIP=lora1 RWKV_SKIP=lora2 RWKV_SKIP=wkv RWKV_SKIP=ln_att,ln_ffn RWKV_SKIP=wo RWKV_SKIP=ffn_key RWKV_SKIP=ffn_value RWKV_SKIP=rkv
echo "== decode, RWKV_SKIP"
decode_sweep 2 2.9b-q4_k_m "" RWKV_SKIP=ln_att RWKV_SKIP=rkv RWKV_SKIP=lora1 RWKV_SKIP=wkv RWKV_SKIP=wo RWKV_SKIP=ln_ffn RWKV_SKIP=ffn_key RWKV_SKIP=ffn_value RWKV_SKIP=head
