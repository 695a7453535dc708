#!/bin/bash
# bench/h100_s25d.sh - session 25: batched prefills whose WKV step runs in one kernel (8 x 64,
# 16 x 32 tokens; no scan to hide rows16's decodes): the build before (build-h100b, 7654096:
# all three kinds decoded just before their matmuls in a thin stream) against this one (only
# the value, decoded on the whole GPU) and the value off; the single 512-token pass of both;
# a profile of the 10 fields' pass.
set -u
. bench/h100_env.sh
M=2.9b-q4_k_m
bp() { local lens=$1; shift; env "$@" BENCH_LENS=$lens "$B/bench-profile" /tmp/m-$M.gguf 0 8 embed 2>&1 | tail -1; }
L8=64,64,64,64,64,64,64,64
L16=32,32,32,32,32,32,32,32,32,32,32,32,32,32,32,32
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models $M
  echo "== test_quant_model"; gpu_tests test_quant_model
  for r in 1 2; do
    for L in $L8 $L16; do
      echo "-- $L build-h100b: $(B=build-h100b bp $L)"
      echo "-- $L default: $(bp $L)"
      echo "-- $L RWKV_FFN_F16_MIN=0: $(bp $L RWKV_FFN_F16_MIN=0)"
    done
    echo "-- pp512 build-h100b: $(B=build-h100b pass_ms $M)"
    echo "-- pp512 default: $(pass_ms $M)"
  done
  echo "== the 10 fields' pass, GPU timestamps a step"
  RWKV_PROFILE=1 BENCH_LENS=13,10,14,8,12,16,12,13,13,13 "$B/bench-profile" /tmp/m-$M.gguf 0 20 embed 2>&1
} 2>&1 | tee "$OUT/s25d.txt"
