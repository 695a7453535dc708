#!/bin/bash
# bench/h100_s14f.sh - session 14: why rwkv-bench's warm loads read above rwkv-loadtime's on the
# same machine (s14 final: 276 against 186-201 ms): rwkv-bench's per-load notes (context,
# programs, uploads, first state and token) beside rwkv-loadtime, two interleaved rounds.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m
  for r in 1 2; do
    echo "-- rwkv-bench round $r"
    "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --repeat 5 --prefill 16 --decode 0 --doc 16 2>&1 | grep -E "^load|load \(warm" 
    echo "-- rwkv-loadtime round $r"
    "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 2>&1 | grep -E "^load [0-9]"
  done
} 2>&1 | tee "$OUT/s14f.txt"
