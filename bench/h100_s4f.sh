#!/bin/bash
# bench/h100_s4f.sh - session 4: decode with the LoRA second stages as four overlapping
# matmuls before a plain WKV kernel (RWKV_WKV_LORA_FUSE=0) against them inside the WKV kernel
# (default), interleaved; the model tests with them unfused.
set -u
. bench/h100_env.sh
P() { decode_ms "$B" "$F" "$@"; }
{
  for t in test_forward test_generate test_quant_model; do
    echo "$t (RWKV_WKV_LORA_FUSE=0): $(RWKV_WKV_LORA_FUSE=0 timeout 120 $B/$t 2>&1 | tail -1)"
  done
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    F=/tmp/m-$m.gguf
    P X=1 >/dev/null
    for r in 1 2 3; do echo "-- $m: fused $(P X=1) | unfused $(P RWKV_WKV_LORA_FUSE=0)"; done
    echo "-- $m skip wkv, unfused: $(P RWKV_WKV_LORA_FUSE=0 RWKV_SKIP=wkv)"
  done
} 2>&1 | tee "$OUT/s4f.txt"
