#!/bin/bash
# bench/h100_s17j.sh - session 17: r and k stacked (one grouped dispatch) in the Q4_K_M layers
# whose v is Q6_K (627f1d8, $B) against three dispatches (06e159c, build-h100b), in one call:
# the GPU tests, pp512 / document state / 10 fields and decode of the Q4_K_M presets.
set -u
. bench/h100_env.sh
A=build-h100b
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_quant_model test_forward test_lnfuse test_generate
  gen_models 2.9b-q4_k_m 1.5b-q4_k_m 0.1b-q4_k_m
  figures_ab 2 "2.9b-q4_k_m 1.5b-q4_k_m 0.1b-q4_k_m" "@$A" "@$B"
  for m in 2.9b-q4_k_m 1.5b-q4_k_m 0.1b-q4_k_m; do decode_ab 2 $m $A "$B"; done
} 2>&1 | tee "$OUT/s17j.txt"
