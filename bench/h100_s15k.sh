#!/bin/bash
# bench/h100_s15k.sh - session 15: the ring sized to the largest layer weight (0.1B F16 -> 16 MB
# slots, 2.9B Q4_K_M -> 32, 2.9B F16 -> 64) with the early slot switch, against the ring of
# session 14 (64 MB slots, RWKV_UPLOAD_EARLY_SWITCH=0): the GPU tests, first loads in fresh
# processes, rwkv-bench's load rows (three interleaved rounds, Q4_K_M).
set -u
. bench/h100_env.sh
OLD="RWKV_UPLOAD_SLOT_MB=64 RWKV_UPLOAD_EARLY_SWITCH=0"
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_gpu test_forward test_quant_model
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  warm_loads 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  for ((r = 0; r < 6; r++)); do
    first_loads 1 "2.9b-q4_k_m 0.1b-f16" "" "$OLD"
    [ $r -lt 3 ] && first_loads 1 2.9b-f16 "" "$OLD"
  done
  echo "== rwkv-bench"
  bench_sweep 3 "2.9b-q4_k_m" "--repeat 5 --prefill 16 --decode 0 --doc 16" 'load \(warm' "" "$OLD"
} 2>&1 | tee "$OUT/s15k.txt"
