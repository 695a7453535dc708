#!/bin/bash
# bench/h100_s32e.sh - session 32: eae6168 (build-h100) against dc2db5f (build-h100b) again,
# decode only (h100_s32d.sh's 0.1B bench-profile lines fell out of its output), three rounds.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m
decode_ab 3 0.1b-f16 build-h100b build-h100
decode_ab 3 2.9b-q4_k_m build-h100b build-h100
for m in 0.1b-f16 2.9b-q4_k_m; do
  for r in 1 2 3; do
    for b in build-h100b build-h100; do
      echo "-- $m $b: $("$b/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen" | cut -d'|' -f8)"
    done
  done
done
