#!/bin/bash
# bench/h100_s17h.sh - session 17: f16 / bf16 rows take the written-out loop and 8 x 4 tiles only
# from 2560 x 7680 elements up; old defaults against new, interleaved in one call, on the
# presets the users run (0.1B .. 2.9B, F16 and Q4_K_M).
set -u
. bench/h100_env.sh
OLD="RWKV_MM_KU=1 RWKV_MM_RQ=1 RWKV_MM_NQ=2 RWKV_MM_SWZ=1"
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_matmul test_quant_model
  gen_models 0.1b-f16 0.1b-q4_k_m 0.4b-f16 0.4b-q4_k_m 1.5b-f16 2.9b-f16
  figures_ab 2 "0.1b-f16 0.1b-q4_k_m 0.4b-f16 0.4b-q4_k_m 1.5b-f16 2.9b-f16" "$OLD" ""
} 2>&1 | tee "$OUT/s17h.txt"
