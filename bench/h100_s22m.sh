#!/bin/bash
# bench/h100_s22m.sh - session 22: the last layer's ffn_prev store beside ln_out ($B) against the
# build before it (build-h100b): rwkv-bench's decode rows, interleaved.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-q4_k_m
  echo "== tests"; gpu_tests test_forward test_generate
  bench_sweep 3 "0.1b-f16 2.9b-q4_k_m" "--repeat 3 --prefill 64 --doc 64" "tg128" @build-h100b "@$B"
} 2>&1 | tee "$OUT/s22m.txt"
