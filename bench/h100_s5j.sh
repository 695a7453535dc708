#!/bin/bash
# bench/h100_s5j.sh - session 5: float rows' preloaded decode units on by default (this
# build) against RWKV_MM_PRE=0, interleaved; rwkv-bench F16 and 0.1B (fingerprints).
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_forward test_quant_model
  decode_sweep 3 "2.9b-f16 0.1b-f16 2.9b-q4_k_m" "RWKV_MM_PRE=0" ""
  for m in 2.9b-f16 0.1b-f16; do
    for v in default pre0; do
      env=""; [ $v = pre0 ] && env="RWKV_MM_PRE=0"
      echo "-- rwkv-bench $m $v"
      env $env "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 2>&1 | grep -E 'tg128|FNV'
    done
  done
} 2>&1 | tee "$OUT/s5j.txt"
