#!/bin/bash
# bench/h100_s30d.sh - rows16 in the 10 fields' pass, decoded beside the one-kernel WKV step:
# the FFN value, key and r / k / v from 64 rows (RWKV_FFN / FFK / RKV_F16_MIN=64) against the
# defaults, fields_ms, three interleaved rounds (2.9B / 1.5B / 0.4B Q4_K_M); single sequences
# of 128 and 200 tokens (bench-profile, 4 passes) with the value's from 64.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 1.5b-q4_k_m 0.4b-q4_k_m
for m in 2.9b-q4_k_m 1.5b-q4_k_m 0.4b-q4_k_m; do
  fields_ms $m "" > /dev/null
  for r in 1 2 3; do
    for v in "" RWKV_FFN_F16_MIN=64 "RWKV_FFN_F16_MIN=64 RWKV_FFK_F16_MIN=64" "RWKV_FFN_F16_MIN=64 RWKV_RKV_F16_MIN=64" \
      "RWKV_FFN_F16_MIN=64 RWKV_FFK_F16_MIN=64 RWKV_RKV_F16_MIN=64"; do
      # shellcheck disable=SC2086 # v holds several assignments
      echo "-- $m ${v:-default}: $(fields_ms $m "" $v) ms"
    done
  done
done
for t in 128 200; do
  for r in 1 2; do
    for v in "" RWKV_FFN_F16_MIN=64; do
      # shellcheck disable=SC2086 # v holds several assignments
      echo "-- 2.9b-q4_k_m T=$t ${v:-default}: $(env $v "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf $t 4 2>&1 | tail -1 | sed 's/.*: //')"
    done
  done
done
