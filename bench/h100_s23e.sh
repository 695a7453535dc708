#!/bin/bash
# bench/h100_s23e.sh - session 23: decode with Wo inside the fused WKV kernel (RWKV_WO_FUSE=1:
# head partial rows summed by ln_ffn) against the defaults; GPU tests with it on. Needs 2d4ce79.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== tests, RWKV_WO_FUSE=1"
  RWKV_WO_FUSE=1 gpu_tests test_forward test_quant_model test_generate test_wkv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== decode"
  decode_sweep 3 "0.1b-f16 2.9b-f16 2.9b-q4_k_m" "" "RWKV_WO_FUSE=1"
  echo "== decode profile, 2.9B Q4_K_M, RWKV_WO_FUSE=1"
  RWKV_WO_FUSE=1 RWKV_PROFILE=1 RWKV_PROFILE_SKIP=1 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 1 64 2>&1 | tail -16
} 2>&1 | tee "$OUT/s23e.txt"
