#!/bin/bash
# bench/h100_s5a.sh - session 5, first call: load time with weights past a ring slot in
# pieces (build-h100) against the session 4 build (build-h100b), and with pread fills
# (RWKV_UPLOAD_PREAD=1); bench-upload's paths from a fresh mapping.
set -u
. bench/h100_env.sh
{
  echo "== models"
  gen_models 2.9b-q4_k_m 2.9b-f16
  echo "== tests on the GPU"
  gpu_tests test_gpu test_forward
  echo "== load (rwkv-loadtime, 4 loads each, interleaved)"
  load_sweep 2 2.9b-q4_k_m 4 base "" "RWKV_UPLOAD_PREAD=1"
  load_sweep 1 2.9b-f16 3 base "" "RWKV_UPLOAD_PREAD=1"
  echo "== bench-upload, fresh mappings"
  BENCH_UPLOAD_FRESH=1 "$B/bench-upload" /tmp/m-2.9b-f16.gguf 1024 16 2>&1 | tail -12
} 2>&1 | tee "$OUT/s5a.txt"
