#!/bin/bash
# bench/h100_s4a.sh - session 4, first call: GPU correctness with matmul epilogues (decode
# layer norms in the last workgroup of Wo / FFN value), decode per token with them off / on
# (RWKV_EPI_MAX_R=0 / 4, interleaved), rwkv-bench on the 2.9B Q4_K_M model, load time.
set -u
. bench/h100_env.sh
{
  echo "== tests on the GPU"
  gpu_tests test_forward test_generate test_quant_model test_lnfuse
  grep -h "max |\|max diff" "$OUT/test_forward.txt" | head -5
  echo "== models"
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  echo "== decode per token, RWKV_EPI_MAX_R=0 / 4 (BENCH_OUTPUT=none bench-profile MODEL 1 300)"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    for e in 0 4 0 4 0 4; do
      echo "-- $m EPI=$e: $(decode_ms $B /tmp/m-$m.gguf RWKV_EPI_MAX_R=$e)"
    done
  done
  echo "== RWKV_SYNC=none with epilogues"
  for m in 0.1b-f16 2.9b-q4_k_m; do
    echo "-- $m: $(decode_ms $B /tmp/m-$m.gguf RWKV_SYNC=none)"
  done
  echo "== rwkv-bench"
  for m in 0.1b-f16 2.9b-q4_k_m; do
    "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --title "H100 s4a: $m" --change "matmul epilogues" --append "$OUT/RESULTS-gpu.md" 2>&1 | tail -3
  done
  echo "== load"
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 5
} 2>&1 | tee "$OUT/s4a.txt"
