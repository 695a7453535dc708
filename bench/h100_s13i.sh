#!/bin/bash
# bench/h100_s13i.sh - session 13: prefill kernels left for after the load (rwkv_gpu_program_lazy,
# default) against built with it (RWKV_PROGRAM_LAZY=0): GPU tests, then rwkv-loadtime (three
# interleaved rounds of three loads; programs built during the load), rwkv-bench's load to the
# first token (three rounds, the other figures cut short) and one full rwkv-bench each (2.9B Q4_K_M).
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 0.1b-f16
  gpu_tests test_gpu test_forward test_matmul test_generate
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 2 > /dev/null
  load_sweep 3 2.9b-q4_k_m 3 "" RWKV_PROGRAM_LAZY=0
  load_sweep 2 0.1b-f16 3 "" RWKV_PROGRAM_LAZY=0
  bench_sweep 3 "2.9b-q4_k_m" "--repeat 5 --prefill 16 --decode 0 --doc 16" "load \(warm" "" RWKV_PROGRAM_LAZY=0
  bench_sweep 1 "2.9b-q4_k_m" "--repeat 3" "load \(warm|pp512 \(|tg128 \(rwkv_gen|doc state|10 fields" "" RWKV_PROGRAM_LAZY=0
} 2>&1 | tee "$OUT/s13i.txt"
python3 bench/load_summary.py "$OUT/s13i.txt"
