#!/bin/bash
# bench/h100_s16k.sh - session 16: after the scan's two chunk-load paths were made one
# (chunk_load / chunk_store) and pre keeps k in registers: the GPU tests that run the scan,
# and rwkv-bench's pp512 / document state on the 2.9B Q4_K_M, the defaults against the
# no-prefetch form (RWKV_WKV_SCAN_PF=0), interleaved.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_wkv test_forward test_quant_model
  gen_models 2.9b-q4_k_m
  "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1
  for r in 1 2; do
    for v in "" "RWKV_WKV_SCAN_PF=0"; do
      # shellcheck disable=SC2086
      echo "-- ${v:-default}: $(bench_figures 2.9b-q4_k_m $v)"
    done
  done
} 2>&1 | tee "$OUT/s16k.txt"
