#!/bin/bash
# bench/h100_s25g.sh - session 25: split pieces of Wo and the FFN value added into y with float
# atomics (RWKV_MM_ATOMIC=1) against partial sums and a reduce: the 10 fields (three rounds,
# with more / fewer pieces too), the 512-token pass, rwkv-bench once each; the forward tests
# with it on. Needs 5361409 (reverted: no gain).
set -u
. bench/h100_env.sh
M=2.9b-q4_k_m
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models $M
  echo "== tests with RWKV_MM_ATOMIC=1"
  RWKV_MM_ATOMIC=1 gpu_tests test_forward test_quant_model
  echo "== 10 fields (ms)"
  for r in 1 2 3; do
    echo "-- default: $(fields_ms $M)"
    echo "-- atomic: $(RWKV_MM_ATOMIC=1 fields_ms $M)"
    echo "-- atomic, pieces of <= 20 slices: $(RWKV_MM_ATOMIC=1 RWKV_MM_SPLIT_PIECE_SMALL=20 fields_ms $M)"
  done
  echo "== pp512 pass"
  for r in 1 2; do
    echo "-- default: $(pass_ms $M)"
    echo "-- atomic: $(pass_ms $M RWKV_MM_ATOMIC=1)"
  done
  echo "== rwkv-bench"
  figures_ab 1 "$M" "" "RWKV_MM_ATOMIC=1"
} 2>&1 | tee "$OUT/s25g.txt"
