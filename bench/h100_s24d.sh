#!/bin/bash
# bench/h100_s24d.sh - session 24: the FFN value of K-quant models on float rows in long
# prefills (ffn16: decoded a layer at a time beside the WKV scan into one shared weight):
# f16 rows (default), f32 rows (RWKV_FFN_F16_EXACT=1: exact), off (RWKV_FFN_F16_MIN=0);
# rwkv-bench's pp512 / document state / fields, three interleaved rounds; tests with it.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== tests"
  RWKV_FFN_F16_EXACT=1 RWKV_FFN_F16_MIN=2 gpu_tests test_quant_model
  gen_models 2.9b-q4_k_m
  echo "== rwkv-bench figures"
  figures_ab 3 "2.9b-q4_k_m" "RWKV_FFN_F16_MIN=0" "" "RWKV_FFN_F16_EXACT=1"
  echo "== wkv and ffn value steps at pp512 (us a layer)"
  for v in RWKV_FFN_F16_MIN=0 RWKV_FFN_F16_MIN=257 "RWKV_FFN_F16_EXACT=1"; do
    # shellcheck disable=SC2086
    echo "-- $v: $(env $v RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 2 2>&1 | awk '/^  (wkv|ffn_value)/ {printf "%s %s us; ", $1, $4}')"
  done
} 2>&1 | tee "$OUT/s24d.txt"
