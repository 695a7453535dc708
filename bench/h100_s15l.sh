#!/bin/bash
# bench/h100_s15l.sh - session 15: host-to-GPU paths again on an H100 machine (bench-upload, last
# run in session 7 on an H200: the ring's glCopyBufferSubData and a compute shader reading the
# ring over the bus were equal there), 1 GiB of the 2.9B Q4_K_M file in 16 / 32 MiB pieces,
# the shader with 132 / 1056 workgroups.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,pcie.link.gen.current,pcie.link.width.current --format=csv,noheader
  gen_models 2.9b-q4_k_m
  "$B/bench-upload" /tmp/m-2.9b-q4_k_m.gguf 1024 16
  "$B/bench-upload" /tmp/m-2.9b-q4_k_m.gguf 1024 32
  BENCH_UPLOAD_WGS=132 "$B/bench-upload" /tmp/m-2.9b-q4_k_m.gguf 1024 32 | grep -E "shader|staging"
} 2>&1 | tee "$OUT/s15l.txt"
