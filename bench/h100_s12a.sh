#!/bin/bash
# bench/h100_s12a.sh - session 12: the WKV decode kernel's LoRA-dot invocations side by side
# (WKV_ADJ, default) against a head apart (RWKV_WKV_ADJ=0), and without the LoRA dots
# (RWKV_WKV_CUT=1, garbage out: what the dots still cost); the GPU tests that cover it; the
# warm load's breakdown (rwkv-loadtime).
set -u
. bench/h100_env.sh
{
  gpu_tests test_wkv test_forward test_quant_model
  grep -h "apart\|split 4" "$OUT/test_wkv.txt"
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  decode_sweep 3 "2.9b-q4_k_m 0.1b-f16 2.9b-f16" "" "RWKV_WKV_ADJ=0" "RWKV_WKV_CUT=1"
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 6
} 2>&1 | tee "$OUT/s12a.txt"
