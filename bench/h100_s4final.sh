#!/bin/bash
# bench/h100_s4final.sh - session 4's last call: the whole session run (bench/h100_session.sh:
# GPU tests, rwkv-bench on the tiny / 0.1B / 2.9B models, profiles), then load time by upload
# ring slot size (RWKV_UPLOAD_SLOT_MB) and decode per token once more.
set -u
TITLE=${TITLE:-"H100 s4 final"} CHANGE=${CHANGE:-"session 4: WKV LoRA ranks as constants, layer-norm rows in registers, r/k/v of differing types without barriers"} bash bench/h100_session.sh
. bench/h100_env.sh
{
  echo "== load by ring slot (rwkv-loadtime 2.9b Q4_K_M, 4 loads each)"
  for mb in 64 32 128 16 64; do
    echo "-- RWKV_UPLOAD_SLOT_MB=$mb"
    RWKV_UPLOAD_SLOT_MB=$mb "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 2>&1 | grep "^load"
  done
  echo "== decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300)"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    for r in 1 2 3; do echo "-- $m: $(decode_ms $B /tmp/m-$m.gguf)"; done
  done
} 2>&1 | tee "$OUT/s4final.txt"
