#!/bin/bash
# bench/h100_s11b.sh - session 11: the LoRA first stages of llama.cpp's layout (w1 F32, a1 / g1
# / v1 F16) as one stacked matmul of the three F16 parts plus w1 on its own, against four
# matmuls ($BASE: the build before). Decode per token, then rwkv-bench's prefill, document
# state and 10 fields rows, builds interleaved.
set -u
. bench/h100_env.sh
BASE=${BASE:-build-h100b}
{
  gpu_tests test_quant_model test_wkv test_forward test_lnfuse
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  decode_ab 3 2.9b-q4_k_m "$BASE" "$B"
  decode_ab 2 2.9b-f16 "$BASE" "$B"
  decode_ab 3 0.1b-f16 "$BASE" "$B"
  bench_sweep 2 "2.9b-q4_k_m 0.1b-f16" "--repeat 3" "pp512 \(|doc state|10 fields|tg128 \(rwkv_gen|FNV" \
    "@$BASE" "@$B"
} 2>&1 | tee "$OUT/s11b.txt"
