#!/bin/bash
# bench/h100_s30h.sh - session 30's last build (785d364, with R16_LONE on): the GPU tests that
# run prefills and decode, the fingerprints, and rwkv-bench's figures without decode for the
# 2.9B Q4_K_M (pp512, document state, 10 fields), two runs.
. bench/h100_env.sh
gpu_tests test_gpu test_forward test_generate test_quant_model test_faults test_wkv test_lnfuse
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  echo "$m $("$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*")"
done
for r in 1 2; do echo "-- 2.9b-q4_k_m: $(bench_figures 2.9b-q4_k_m)"; done
