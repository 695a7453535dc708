#!/bin/bash
# bench/h100_s20a.sh - session 20: what each prefill step costs in the real sequence at pp512
# (RWKV_SKIP, bench-profile MODEL 512 4: ms a pass, no profiler), and the split-K slice rule's
# piece count for K = 2560 (14 slices: 11 pieces; 20: 8; 27: 5) in rwkv-bench, interleaved.
set -u
. bench/h100_env.sh
pp_ms() { env "$@" "$B/bench-profile" /tmp/m-$M.gguf 512 6 2>&1 | tail -1; }
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m
  for M in 2.9b-f16 2.9b-q4_k_m; do
    "$B/rwkv-bench" /tmp/m-$M.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1  # shader cache
    for r in 1 2; do
      for s in none ln_att rkv lora1 lora2 wkv wo ln_ffn ffn_key ffn_value; do
        echo "-- $M skip $s: $(pp_ms RWKV_SKIP=$s)"
      done
    done
  done
  figures_ab 2 "2.9b-f16 2.9b-q4_k_m" "" RWKV_MM_SPLIT_SLICES=20 RWKV_MM_SPLIT_SLICES=27 RWKV_MM_SPLIT_SLICES=18
} 2>&1 | tee "$OUT/s20a.txt"
