#!/bin/bash
# bench/h100_s9d.sh - session 9: the layer kernel (RWKV_PERSIST=1) with several 8-row blocks
# an item (RWKV_PERSIST_RB: x staged once for all of them) against the dispatch chain.
set -u
. bench/h100_env.sh
{
  gpu_tests test_forward
  gen_models 0.1b-f16 2.9b-f16
  RWKV_PERSIST_RB=4 RWKV_PERSIST=1 RWKV_PERSIST_CHECK=1 "$B/rwkv-bench" /tmp/m-0.1b-f16.gguf --quiet --repeat 1 \
    --prefill 16 --decode 16 --doc 16 2>&1 | grep -E 'FNV|rror'
  decode_sweep 3 "0.1b-f16" "" "RWKV_PERSIST=1" "RWKV_PERSIST=1 RWKV_PERSIST_RB=2" "RWKV_PERSIST=1 RWKV_PERSIST_RB=4" \
    "RWKV_PERSIST=1 RWKV_PERSIST_RB=8"
  decode_sweep 2 "2.9b-f16" "" "RWKV_PERSIST=1 RWKV_PERSIST_RB=4" "RWKV_PERSIST=1 RWKV_PERSIST_RB=8"
} 2>&1 | tee "$OUT/s9d.txt"
