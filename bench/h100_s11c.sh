#!/bin/bash
# bench/h100_s11c.sh - session 11: split-K dispatches that need no barrier after their reduce
# (scratch slots 1 / 2 in turn) against one scratch buffer and a barrier after every split
# ($BASE). GPU tests, then rwkv-bench's prefill, document state, 10 fields and GPU memory
# rows, builds interleaved.
set -u
. bench/h100_env.sh
BASE=${BASE:-build-h100b}
{
  gpu_tests test_matmul test_forward test_quant_model test_wkv test_generate
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  bench_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "--repeat 3 --decode 0" \
    "pp512 \(|doc state|10 fields|GPU memory" "@$BASE" "@$B"
} 2>&1 | tee "$OUT/s11c.txt"
