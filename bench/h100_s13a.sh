#!/bin/bash
# bench/h100_s13a.sh - session 13: programs built in the uploads' waits (rwkv_gpu_program_soon,
# 2d5fbb4) against the baseline build (f789591, build-h100b): GPU tests of the new build, then
# warm loads of the 2.9B Q4_K_M / F16 and 0.1B F16, rwkv-loadtime four interleaved rounds of three
# loads per build, and rwkv-bench's load to the first token (non-quiet: its load notes).
set -u
. bench/h100_env.sh
BASE=build-h100b
{
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  gpu_tests test_gpu test_shader_cache test_forward test_generate
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    $BASE/rwkv-loadtime /tmp/m-$m.gguf 2 > /dev/null
    "$B/rwkv-loadtime" /tmp/m-$m.gguf 2 > /dev/null
    load_sweep 4 $m 3 base ""
  done
  for r in 1 2; do
    for bld in $BASE $B; do
      echo "-- bench $bld"
      $bld/rwkv-bench /tmp/m-2.9b-q4_k_m.gguf --repeat 5 --prefill 16 --decode 0 --doc 16 2>&1 | grep -E "load|^\| m-.*load"
    done
  done
} 2>&1 | tee "$OUT/s13a.txt"
python3 bench/load_summary.py "$OUT/s13a.txt"
