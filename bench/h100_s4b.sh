#!/bin/bash
# bench/h100_s4b.sh - session 4, second call: GPU tests; decode per token (BENCH_OUTPUT=none
# bench-profile MODEL 1 300) for the new knobs against their old paths, interleaved:
# epilogues (RWKV_EPI_MAX_R=0), WKV LoRA ranks as constants (RWKV_WKV_CONST=0), layer-norm
# rows in registers (RWKV_LN_REG=0); then what each step costs inside the real sequence
# (RWKV_SKIP=step: the step's dispatches left out, old paths).
set -u
. bench/h100_env.sh
P() { decode_ms "$B" "$1"; }
{
  echo "== tests on the GPU"
  gpu_tests test_forward test_generate test_quant_model test_wkv test_lnfuse
  echo "== models"
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  echo "== decode A/B"
  decode_sweep 2 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" "" "RWKV_EPI_MAX_R=0" "RWKV_WKV_CONST=0" "RWKV_LN_REG=0" \
    "RWKV_EPI_MAX_R=0 RWKV_WKV_CONST=0 RWKV_LN_REG=0"
  echo "== skip (old paths: RWKV_EPI_MAX_R=0 RWKV_WKV_CONST=0 RWKV_LN_REG=0)"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    f=/tmp/m-$m.gguf
    echo "-- $m none: $(RWKV_EPI_MAX_R=0 RWKV_WKV_CONST=0 RWKV_LN_REG=0 P $f)"
    for s in ln_att rkv lora1 wkv wo ln_ffn ffn_key ffn_value head rkv,lora1,wo,ffn_key,ffn_value ln_att,wkv,ln_ffn ln_att,rkv,lora1,wkv,wo,ln_ffn,ffn_key,ffn_value,head; do
      echo "-- $m skip $s: $(RWKV_SKIP=$s RWKV_EPI_MAX_R=0 RWKV_WKV_CONST=0 RWKV_LN_REG=0 P $f)"
    done
    echo "-- $m skip ln_att,wkv,ln_ffn (new paths): $(RWKV_SKIP=ln_att,wkv,ln_ffn P $f)"
  done
} 2>&1 | tee "$OUT/s4b.txt"
