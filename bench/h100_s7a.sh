#!/bin/bash
# bench/h100_s7a.sh - session 7: (1) a persistent decode kernel against a chain of dispatches
# (bench-persist: the 2.9B / 0.1B decode shapes, f16 and a 4-bit format, workgroup counts);
# (2) host-to-GPU uploads with the copy done by a compute shader reading the staging ring
# (bench-upload "shader") against glCopyBufferSubData; (3) where a warm load goes now.
set -u
. bench/h100_env.sh
{
  nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,pcie.link.gen.current,pcie.link.width.current --format=csv
  for w in 132 264 528 1056; do timeout 120 "$B/bench-persist" f16 2560 32 $w 20; done
  for w in 132 264 528 1056; do timeout 120 "$B/bench-persist" q4 2560 32 $w 20; done
  for w in 132 264; do timeout 120 "$B/bench-persist" f16 768 12 $w 50; done
  gen_models 2.9b-q4_k_m
  timeout 120 "$B/bench-upload" /tmp/m-2.9b-q4_k_m.gguf 1024 16
  BENCH_UPLOAD_WGS=264 timeout 120 "$B/bench-upload" /tmp/m-2.9b-q4_k_m.gguf 1024 64
  timeout 120 "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 6
} 2>&1 | tee "$OUT/s7a.txt"
