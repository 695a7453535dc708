#!/bin/bash
# bench/h100_s4h.sh - session 4: the tiled prefill kernel's token tile (RWKV_MM_BT 32 / 64 /
# 128) for the field analysis (10 sequences of ~16 tokens: T = 160 in one pass) and the
# 1024-token document, rwkv-bench on the 2.9B Q4_K_M model (decode skipped).
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m
  for bt in 64 32 128 64 32; do
    echo "-- RWKV_MM_BT=$bt"
    RWKV_MM_BT=$bt "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --decode 0 --repeat 3 2>&1 | grep -E "pp512 \(|doc state|fields" | sed 's/.*| //'
  done
} 2>&1 | tee "$OUT/s4h.txt"
