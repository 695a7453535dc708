#!/bin/bash
# bench/h100_s5k.sh - session 5: preloaded decode units holding raw words only (mmu_load),
# for K-quants too: RWKV_MM_PRE=1 at several unit counts against the default, interleaved.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_matmul test_quant_model
  for m in 2.9b-q4_k_m 2.9b-f16; do
    decode_ms $B /tmp/m-$m.gguf > /dev/null # warm-up
    for r in 1 2; do
      echo "-- $m default: $(decode_ms $B /tmp/m-$m.gguf)"
      echo "-- $m PRE=0: $(decode_ms $B /tmp/m-$m.gguf RWKV_MM_PRE=0)"
      echo "-- $m PRE=1: $(decode_ms $B /tmp/m-$m.gguf RWKV_MM_PRE=1)"
      echo "-- $m PRE=1 UNR=2: $(decode_ms $B /tmp/m-$m.gguf RWKV_MM_PRE=1 RWKV_MM_UNR=2)"
    done
  done
} 2>&1 | tee "$OUT/s5k.txt"
