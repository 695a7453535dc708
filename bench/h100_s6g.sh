#!/bin/bash
# bench/h100_s6g.sh - session 6: the last layer's Wo / FFN on the sequences' last two rows only
# (default) against RWKV_TAIL_ROWS=0, interleaved: pp512, document state, 10 fields; GPU tests.
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16
  gpu_tests test_forward test_wkv test_generate test_quant_model test_lnfuse
  echo "-- RWKV_MM_TILED=0: $(RWKV_MM_TILED=0 RWKV_GPU_QUIET=1 $B/test_wkv 2>&1 | tail -1)"
  bench_sweep 3 "2.9b-q4_k_m 2.9b-f16" "--repeat 5 --prefill 512 --decode 64 --doc 1024" \
    'fields|pp512 \(|doc state|tg64 \(rwkv_gen|FNV' RWKV_TAIL_ROWS=0 RWKV_TAIL_ROWS=1
} 2>&1 | tee "$OUT/s6g.txt"
