#!/bin/bash
# bench/h100_s14h.sh - session 14: the embedding and head through the upload ring in pieces
# (default now) against mapped buffers (RWKV_UPLOAD_PIECES=0): first loads in fresh processes
# (rwkv-loadtime MODEL 1, five interleaved rounds), warm-process loads (load_sweep), rwkv-bench's
# load to the first token; the GPU tests first.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_gpu test_forward test_quant_model test_faults
  gen_models 2.9b-q4_k_m 0.1b-f16 2.9b-f16
  first_loads 5 "2.9b-q4_k_m 0.1b-f16" "" RWKV_UPLOAD_PIECES=0
  first_loads 3 "2.9b-f16" "" RWKV_UPLOAD_PIECES=0
  load_sweep 2 2.9b-q4_k_m 3 "" RWKV_UPLOAD_PIECES=0
  bench_sweep 2 "2.9b-q4_k_m" "--repeat 3 --prefill 64 --decode 64 --doc 64" 'load \(warm|tg64|FNV' "" RWKV_UPLOAD_PIECES=0
} 2>&1 | tee "$OUT/s14h.txt"
