#!/bin/bash
# bench/h100_s11e.sh - session 11: the rows kernel for one tile's rows over a long K, now in a
# third program for prefills of 2..256 tokens only (RWKV_MM_SMALL_TT=0 turns it off), against
# the tile through that knob. GPU tests, then rwkv-bench's prefill, document state and 10
# fields rows, interleaved.
set -u
. bench/h100_env.sh
{
  gpu_tests test_matmul test_forward test_quant_model test_generate
  gen_models 2.9b-q4_k_m 2.9b-f16
  bench_sweep 2 "2.9b-q4_k_m 2.9b-f16" "--decode 0 --repeat 3" "pp512 \(|doc state|10 fields" \
    "RWKV_X=0" "RWKV_MM_SMALL_TT=0"
} 2>&1 | tee "$OUT/s11e.txt"
