#!/bin/bash
# bench/h100_s14j.sh - session 14: the final rwkv-bench rows again with the shader cache warmed
# first (the s14 final call compiled programs in each model's first-in-process load), as
# bench/h100_session.sh now does.
set -u
. bench/h100_env.sh
R="$OUT/RESULTS-gpu.md"
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  for m in models/tiny-rwkv7-834K-F32.gguf /tmp/m-0.1b-f16.gguf /tmp/m-2.9b-q4_k_m.gguf /tmp/m-2.9b-f16.gguf; do
    "$B/rwkv-bench" "$m" --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 > /dev/null 2>&1
  done
  T=${TITLE:-"H100 session"}
  "$B/rwkv-bench" models/tiny-rwkv7-834K-F32.gguf --quiet --title "$T: tiny F32" --change "${CHANGE:--}" --append "$R" --json "$OUT/tiny.json"
  "$B/rwkv-bench" /tmp/m-0.1b-f16.gguf --quiet --cold --title "$T: 0.1b F16" --change "${CHANGE:--}" --append "$R" --json "$OUT/0.1b-f16.json"
  "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --cold --title "$T: 2.9b Q4_K_M" --change "${CHANGE:--}" --append "$R" --json "$OUT/2.9b-q4km.json"
  "$B/rwkv-bench" /tmp/m-2.9b-f16.gguf --quiet --repeat 3 --title "$T: 2.9b F16" --change "${CHANGE:--}" --append "$R" --json "$OUT/2.9b-f16.json"
} 2>&1 | tee "$OUT/s14j.txt"
