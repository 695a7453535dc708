#!/bin/bash
# bench/h100_s5g.sh - session 5: decode per token with the blocked decode kernel on a capped
# grid (RWKV_MM_WGS=0 / 132 / 264 / 528 / 1056), interleaved; test_matmul on the GPU.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_matmul
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    decode_ms $B /tmp/m-$m.gguf > /dev/null # warm-up
    for r in 1 2; do
      for c in 0 132 264 528 1056; do
        echo "-- $m MM_WGS=$c: $(decode_ms $B /tmp/m-$m.gguf RWKV_MM_WGS=$c)"
      done
    done
  done
} 2>&1 | tee "$OUT/s5g.txt"
