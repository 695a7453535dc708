#!/bin/bash
# bench/h100_s29n.sh - session 29's last build (9d64f4e): the GPU tests, the fingerprints, and
# decode / pp512 / the 10 fields / a 1024-token pass for the 2.9B Q4_K_M (three rounds).
. bench/h100_env.sh
gpu_tests test_gpu test_forward test_generate test_quant_model test_faults test_wkv test_lnfuse
for m in 0.1b-f16 2.9b-q4_k_m; do ls /tmp/m-$m.gguf > /dev/null 2>&1 || gen_models $m; done
for m in 0.1b-f16 2.9b-q4_k_m; do
  "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*"
done
for r in 1 2 3; do
  echo "-- 2.9b-q4_k_m: decode $(decode_ms $B /tmp/m-2.9b-q4_k_m.gguf); $(pass_figs 2.9b-q4_k_m)"
done
