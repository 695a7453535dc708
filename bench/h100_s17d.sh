#!/bin/bash
# bench/h100_s17d.sh - session 17: the written-out k loop as the default (KU 16 for f16 / bf16 /
# q8_0 / q4_0 / q4_1 / q2_K / q4_K / q5_K / q6_K rows, 8 x 4 register tiles for f16 / bf16)
# against the old defaults (RWKV_MM_KU=1 RWKV_MM_RQ=1 RWKV_MM_NQ=2) in one call: the GPU tests,
# then pp512 / document state / 10 fields of four 2.9B models, and the per-stage profile.
set -u
. bench/h100_env.sh
OLD="RWKV_MM_KU=1 RWKV_MM_RQ=1 RWKV_MM_NQ=2"
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== tests on the GPU"
  gpu_tests test_matmul test_forward test_quant_model test_gpu test_generate test_lnfuse
  gen_models 2.9b-q4_k_m 2.9b-f16 2.9b-q8_0 2.9b-q5_k
  figures_ab 2 "2.9b-q4_k_m 2.9b-f16 2.9b-q8_0 2.9b-q5_k" "$OLD" ""
  for m in 2.9b-q4_k_m 2.9b-f16; do
    echo "== profile $m, 512 tokens (us a layer)"
    RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 512 2 2>&1 | tail -25
  done
} 2>&1 | tee "$OUT/s17d.txt"
