#!/bin/bash
# bench/h100_s8i.sh - session 8: the WKV decode kernel's v LoRA dot without a branch ($B)
# against the commit before ($A), decode per token interleaved, with the LoRA split at 4 and 8;
# the WKV tests on the GPU.
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
{
  gpu_tests test_wkv test_forward test_generate
  gen_models 2.9b-q4_k_m 0.1b-f16 2.9b-f16
  for m in 2.9b-q4_k_m 0.1b-f16 2.9b-f16; do
    decode_ms $A /tmp/m-$m.gguf > /dev/null
    for bld in $A $B $A $B $A $B; do echo "-- $m $bld: $(decode_ms $bld /tmp/m-$m.gguf)"; done
  done
  decode_sweep 2 "2.9b-q4_k_m" "" "RWKV_WKV_LORA_SPLIT=8" "RWKV_WKV_CUT=1"
} 2>&1 | tee "$OUT/s8i.txt"
