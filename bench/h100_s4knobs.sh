#!/bin/bash
# bench/h100_s4knobs.sh - session 4: existing decode knobs against the defaults on the final
# build, decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300), each after a default
# run: K-quant decode workgroups of 64 (RWKV_MM_WG), driver flushes (RWKV_SYNC), LoRA dots'
# split in the WKV kernel (RWKV_WKV_LORA_SPLIT), ln_mix slices per row (RWKV_LN_SPLIT).
set -u
. bench/h100_env.sh
P() { decode_ms "$B" "$F" "$@"; }
{
  gen_models 0.1b-f16 2.9b-q4_k_m
  for m in 2.9b-q4_k_m 0.1b-f16; do
    F=/tmp/m-$m.gguf
    P X=1 >/dev/null
    for k in RWKV_MM_WG=64 RWKV_SYNC=none RWKV_SYNC=flush:2 RWKV_SYNC=flush:8 RWKV_WKV_LORA_SPLIT=2 RWKV_WKV_LORA_SPLIT=8 RWKV_LN_SPLIT=5 RWKV_LN_SPLIT=20 RWKV_LN_SPLIT=40; do
      echo "-- $m: default $(P X=1) | $k $(P $k)"
    done
  done
} 2>&1 | tee "$OUT/s4knobs.txt"
