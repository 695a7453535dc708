#!/bin/bash
# bench/h100_s22b.sh - session 22: the fused WKV kernel (LoRA second stages inside, weight
# words hoisted) for the 10 fields' short passes (RWKV_WKV_FUSE_T=16) against four LoRA
# matmuls and the one-kernel WKV; the fields' step profile; decode with LN prologues again.
# Needs 4125d19 for RWKV_WKV_FUSE_T (dropped in 80c8d24).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests (fused up to 64 rows)"; RWKV_WKV_FUSE_T=64 gpu_tests test_wkv test_forward
  echo "== fields ms (bench-profile, 40 passes)"
  for m in 0.1b-f16 2.9b-f16 2.9b-q4_k_m; do
    fields_ms $m > /dev/null
    for r in 1 2 3; do
      echo "-- $m default: $(fields_ms $m); FUSE_T=16: $(RWKV_WKV_FUSE_T=16 fields_ms $m)"
    done
  done
  echo "== fields profile"
  for v in 1 16; do
    echo "-- 2.9b-f16 RWKV_WKV_FUSE_T=$v"
    RWKV_WKV_FUSE_T=$v RWKV_PROFILE=1 BENCH_LENS=13,10,14,8,12,16,12,13,13,13 "$B/bench-profile" \
      /tmp/m-2.9b-f16.gguf 0 20 embed 2>&1 | grep -A16 "rwkv profile"
  done
  echo "== decode, LN prologues"
  decode_sweep 2 "0.1b-f16 2.9b-f16" "" RWKV_LN_FUSE=1
} 2>&1 | tee "$OUT/s22b.txt"
