#!/bin/bash
# bench/h100_s5f.sh - session 5: decode per token with the layer-norm prologue on a capped
# grid (RWKV_LN_FUSE=1, RWKV_PRO_WGS=0 / 132 / 264 / 528) against no prologue, interleaved.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_lnfuse test_forward
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    decode_ms $B /tmp/m-$m.gguf > /dev/null # warm-up
    for r in 1 2; do
      echo "-- $m no prologue: $(decode_ms $B /tmp/m-$m.gguf RWKV_LN_FUSE=0)"
      for c in 0 132 264 528; do
        echo "-- $m prologue, PRO_WGS=$c: $(decode_ms $B /tmp/m-$m.gguf RWKV_LN_FUSE=1 RWKV_PRO_WGS=$c)"
      done
    done
  done
} 2>&1 | tee "$OUT/s5f.txt"
