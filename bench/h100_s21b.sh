#!/bin/bash
# bench/h100_s21b.sh - session 21: where the 10 fields' pass goes (2.9B F16 / Q4_K_M, rwkv-bench's
# field lengths as one batch): GPU timestamps a step, then each step left out of the real sequence
# (RWKV_SKIP, ms a pass, three interleaved rounds); the scan's chunk / row-group sizes at pp512.
set -u
. bench/h100_env.sh
L=13,10,14,8,12,16,12,13,13,13
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m
  for m in 2.9b-f16 2.9b-q4_k_m; do
    echo "== $m fields, timestamps"
    BENCH_LENS=$L RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 0 20 embed 2>&1 | tail -22
    for r in 1 2 3; do
      for s in "" ln_att rkv lora1 lora2 wkv wo ln_ffn ffn_key ffn_value; do
        echo "-- $m skip ${s:-none}: $(BENCH_LENS=$L RWKV_SKIP=$s "$B/bench-profile" /tmp/m-$m.gguf 0 40 embed 2>&1 | tail -1)"
      done
    done
  done
  for r in 1 2; do
    for v in "" "RWKV_WKV_CH=16 RWKV_WKV_ROWS=16" "RWKV_WKV_CH=4"; do
      # shellcheck disable=SC2086
      echo "-- wkv 2.9b-f16 ${v:-default}: $(wkv_pp 2.9b-f16 $v)"
    done
  done
} 2>&1 | tee "$OUT/s21b.txt"
