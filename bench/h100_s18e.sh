#!/bin/bash
# bench/h100_s18e.sh - session 18's final call (d5fc2e0): the full session run (entries "H100
# s18 final (d5fc2e0)"), then old against new in one call (the split-K batch and the gate
# beside the scans off: RWKV_MM_BATCH=0 RWKV_G_LATE=0) and decode per token (s18e.txt).
TITLE="H100 s18 final (d5fc2e0)" CHANGE="session 18: r/k/v + LoRA-1 split-K reduces after one barrier; the gate's LoRA-2 beside the WKV scans" bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
{
  figures_ab 1 "2.9b-q4_k_m 2.9b-f16" "" "RWKV_MM_BATCH=0 RWKV_G_LATE=0"
  figures_ab 1 "0.1b-f16" "" "RWKV_MM_BATCH=0 RWKV_G_LATE=0"
  echo "== decode"
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do echo "-- $m $(decode_ms $B /tmp/m-$m.gguf)"; done
} 2>&1 | tee "$OUT/s18e.txt"
