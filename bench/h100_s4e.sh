#!/bin/bash
# bench/h100_s4e.sh - session 4, fifth call: chained decode dispatches (RWKV_CHAIN=1) on the
# GPU: the model tests with them, decode per token off / on interleaved, rwkv-bench with them.
set -u
. bench/h100_env.sh
P() { timeout 60 env BENCH_OUTPUT=none "$B/bench-profile" "$1" 1 300 2>&1 | tail -1 | sed 's/.*tokens: //'; }
{
  echo "== tests on the GPU, RWKV_CHAIN=1"
  for t in test_forward test_generate test_quant_model test_wkv; do
    s=$(date +%s%N); RWKV_CHAIN=1 timeout 120 "$B/$t" > "$OUT/$t.txt" 2>&1; rc=$?; e=$(date +%s%N)
    echo "$t rc=$rc $(tail -1 "$OUT/$t.txt") ($(( (e - s) / 1000000 )) ms)"
  done
  grep -h "max |" "$OUT/test_forward.txt" | head -3
  echo "== models"
  "$B/rwkv-gen" /tmp/m-0.1b-f16.gguf --preset 0.1b --type f16 --vocab "$V" --quiet
  "$B/rwkv-gen" /tmp/m-2.9b-q4_k_m.gguf --preset 2.9b --type q4_k_m --vocab "$V" --quiet
  "$B/rwkv-gen" /tmp/m-2.9b-f16.gguf --preset 2.9b --type f16 --vocab "$V" --quiet
  echo "== decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300): RWKV_CHAIN=0 | 1"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    f=/tmp/m-$m.gguf
    P $f >/dev/null
    for r in 1 2 3; do echo "-- $m: $(P $f) | $(RWKV_CHAIN=1 P $f)"; done
  done
  echo "== rwkv-bench, RWKV_CHAIN=1"
  for m in 0.1b-f16 2.9b-q4_k_m; do
    RWKV_CHAIN=1 timeout 120 "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --title "H100 s4e: $m, RWKV_CHAIN=1" --change "chained decode dispatches" --append "$OUT/RESULTS-gpu.md" 2>&1 | grep -E "tg128|greedy"
  done
} 2>&1 | tee "$OUT/s4e.txt"
