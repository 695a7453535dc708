#!/bin/bash
# bench/h100_s18d.sh - session 18: the gate's LoRA-2 beside the prefill WKV scans (RWKV_G_LATE,
# the default) against before them, and the scan path for the 10 fields (RWKV_WKV_ONE_BH=0)
# now that it has the gate beside it: GPU tests, rwkv-bench's figures interleaved, pp512 profiled.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_forward test_quant_model test_wkv test_lnfuse
  gen_models 2.9b-q4_k_m 2.9b-f16 1.5b-q4_k_m 0.1b-f16
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16" "" RWKV_G_LATE=0 RWKV_WKV_ONE_BH=0
  figures_ab 1 "1.5b-q4_k_m 0.1b-f16" "" RWKV_G_LATE=0
  for m in 2.9b-q4_k_m 2.9b-f16; do
    echo "== $m pp512"
    RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 512 4 embed > /dev/null 2>&1
    RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 512 4 embed 2>&1 | tail -16
  done
} 2>&1 | tee "$OUT/s18d.txt"
