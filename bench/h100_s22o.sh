#!/bin/bash
# bench/h100_s22o.sh - session 22: the fused WKV kernel's LoRA rows prefetched into L2 beside the
# r/k/v and LoRA-1 matmuls (RWKV_WKV_PREFETCH, on) against not (=0), decode interleaved.
# Needs a1cb9b7 (reverted in 64b401a).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests"; gpu_tests test_forward test_generate
  decode_sweep 3 "0.1b-f16 2.9b-f16 2.9b-q4_k_m" "" RWKV_WKV_PREFETCH=0
} 2>&1 | tee "$OUT/s22o.txt"
