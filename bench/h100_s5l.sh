#!/bin/bash
# bench/h100_s5l.sh - session 5: preloaded float decode units for K and M >= 2048 (this build's
# default) against RWKV_MM_PRE=0, interleaved.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_forward
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    decode_ms $B /tmp/m-$m.gguf > /dev/null # warm-up
    for r in 1 2 3; do
      echo "-- $m default: $(decode_ms $B /tmp/m-$m.gguf)"
      echo "-- $m PRE=0: $(decode_ms $B /tmp/m-$m.gguf RWKV_MM_PRE=0)"
    done
  done
} 2>&1 | tee "$OUT/s5l.txt"
