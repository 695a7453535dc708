#!/bin/bash
# bench/h100_s17k.sh - session 17: the r|k stack's decode kernel as NR 1 UNR 2 ($B) against
# three dispatches (06e159c, build-h100b): decode of the Q4_K_M presets, then pp512 / document
# state / 10 fields of the 2.9B once more, in one call.
set -u
. bench/h100_env.sh
A=build-h100b
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_quant_model test_matmul
  gen_models 2.9b-q4_k_m 1.5b-q4_k_m
  for m in 2.9b-q4_k_m 1.5b-q4_k_m; do decode_ab 3 $m $A "$B"; done
  figures_ab 2 2.9b-q4_k_m "@$A" "@$B"
} 2>&1 | tee "$OUT/s17k.txt"
