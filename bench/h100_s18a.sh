#!/bin/bash
# bench/h100_s18a.sh - session 18: where the 10 fields' pass spends its time as rwkv-bench runs
# it (one batch of 10 sequences, 124 tokens in 160 padded rows: BENCH_LENS in bench-profile,
# GPU timestamps, a first process building the kernels), then ln_mix's channel slices per row
# (RWKV_LN_SPLIT; the default is 1 slice for 16+ rows) in rwkv-bench's figures, interleaved.
set -u
. bench/h100_env.sh
L=13,10,14,8,12,16,12,13,13,13
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16; do
    BENCH_LENS=$L RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 1 2 embed > /dev/null 2>&1
    for v in "" RWKV_LN_SPLIT=4; do
      echo "== $m fields batch ${v:-default}, second process"
      env $v BENCH_LENS=$L RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 1 8 embed 2>&1 | tail -16
      echo "== unprofiled: $(env $v BENCH_LENS=$L "$B/bench-profile" /tmp/m-$m.gguf 1 20 embed 2>&1 | tail -1)"
    done
  done
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16" "" RWKV_LN_SPLIT=2 RWKV_LN_SPLIT=4 RWKV_LN_SPLIT=10
} 2>&1 | tee "$OUT/s18a.txt"
