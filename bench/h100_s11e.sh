#!/bin/bash
# bench/h100_s11e.sh - session 11: as h100_s11d.sh after the rows kernel for small M went to short
# (RWKV_WKV_ONE_BH=0 turns it off) and the rows kernel for one tile's rows over a long K in
# prefill (RWKV_MM_SMALL_TT=0 turns it off), each against the build without it through its
# knob. GPU tests, then rwkv-bench's prefill, document state and 10 fields rows, interleaved.
set -u
. bench/h100_env.sh
{
  gpu_tests test_matmul test_forward test_quant_model test_generate
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  bench_sweep 2 "2.9b-q4_k_m 2.9b-f16" "--decode 0 --repeat 3" "pp512 \(|doc state|10 fields" \
    "RWKV_X=0" "RWKV_MM_SMALL_TT=0"
} 2>&1 | tee "$OUT/s11e.txt"
