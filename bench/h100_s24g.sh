#!/bin/bash
# bench/h100_s24g.sh - session 24: the FFN value's f16 weight made at the first long prefill
# instead of at load: loads (rwkv-loadtime, 6 in a process) with it on and off, interleaved;
# rwkv-bench's pp512 / document state; test_quant_model.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_quant_model
  gen_models 2.9b-q4_k_m
  warm_loads 2.9b-q4_k_m
  repeat_loads 2 2.9b-q4_k_m 6 "" "RWKV_FFN_F16_MIN=0"
  figures_ab 1 "2.9b-q4_k_m" "" "RWKV_FFN_F16_MIN=0"
} 2>&1 | tee "$OUT/s24g.txt"
