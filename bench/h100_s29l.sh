#!/bin/bash
# bench/h100_s29l.sh - session 29: the build with all of the session's dispatch orders (055d55d):
# the GPU tests, then decode ms a token, pp512, the 10 fields and a 1024-token pass for the
# 2.9B Q4_K_M and F16 and the 0.1B F16, three rounds, and the greedy fingerprints (rwkv-bench).
. bench/h100_env.sh
gpu_tests test_gpu test_forward test_generate test_quant_model test_faults test_wkv
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do ls /tmp/m-$m.gguf > /dev/null 2>&1 || gen_models $m; done
for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
  for r in 1 2 3; do
    echo "-- $m: decode $(decode_ms $B /tmp/m-$m.gguf); $(pass_figs $m)"
  done
  "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*"
done
