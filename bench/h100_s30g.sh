#!/bin/bash
# bench/h100_s30g.sh - r / k / v's lone Q6_K v on f16 rows in short passes (RWKV_LONE_F16_MIN)
# beside the FFN value's: the 10 fields (fields_ms) and single sequences of 128 / 200 tokens,
# three interleaved rounds (2.9B / 1.5B Q4_K_M); the fingerprint with it on.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 1.5b-q4_k_m
for m in 2.9b-q4_k_m 1.5b-q4_k_m; do
  fields_ms $m "" > /dev/null
  for r in 1 2 3; do
    for v in "" RWKV_LONE_F16_MIN=128 RWKV_LONE_F16_MIN=64; do
      echo "-- $m ${v:-default}: $(fields_ms $m "" $v) ms"
    done
  done
done
for t in 128 200; do
  for r in 1 2; do
    for v in "" RWKV_LONE_F16_MIN=128; do
      # shellcheck disable=SC2086 # v holds several assignments
      echo "-- 2.9b-q4_k_m T=$t ${v:-default}: $(env $v "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf $t 4 2>&1 | tail -1 | sed 's/.*: //')"
    done
  done
done
RWKV_LONE_F16_MIN=128 gpu_tests test_quant_model
