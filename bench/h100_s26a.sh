#!/bin/bash
# Session 26: how much of the 10 fields' pass the small steps hold (RWKV_SKIP in the real
# chain), and what half batches cost: the bound of running two halves skewed by a step so
# that one half's small steps run beside the other's big matmuls.
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 2.9b-f16
# lens_ms LENS MODEL VAR...: bench-profile's ms a pass of one batch of those lengths (40 passes)
lens_ms() {
  local lens=$1 m=$2
  shift 2
  env "$@" BENCH_LENS=$lens "$B/bench-profile" /tmp/m-$m.gguf 0 40 embed 2>&1 | tail -1 | awk '{print $(NF-3)}'
}
ALL=13,10,14,8,12,16,12,13,13,13 H1=13,10,14,8,12 H2=16,12,13,13,13
for m in 2.9b-q4_k_m 2.9b-f16; do
  lens_ms $ALL $m > /dev/null
  for r in 1 2; do
    for s in "" lora1 lora2 wkv ln_att,ln_ffn wo ln_att,ln_ffn,lora1,lora2,wkv ln_att,ln_ffn,lora2,wkv; do
      echo "-- $m all skip=$s: $(lens_ms $ALL $m RWKV_SKIP=$s)"
    done
    for h in $H1 $H2; do
      for s in "" ln_att,ln_ffn,lora1,lora2,wkv ln_att,ln_ffn,lora2,wkv; do
        echo "-- $m half $h skip=$s: $(lens_ms $h $m RWKV_SKIP=$s)"
      done
    done
  done
done
RWKV_PROFILE=1 BENCH_LENS=$ALL "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 0 10 embed 2>&1 | tail -25
RWKV_PROFILE=1 BENCH_LENS=$H1 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 0 10 embed 2>&1 | tail -25
