#!/bin/bash
# bench/h100_s4d.sh - session 4, fourth call: r / k / v of differing types without barriers
# ($B) against the commit before ($A), decode per token interleaved; a decode kernel-shape
# sweep for the K-quants from memory (lanes per row below a subgroup, workgroup size, rows
# and units per lane group).
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
P() { decode_ms "$1" "$2"; }
{
  echo "== models"
  gen_models 2.9b-q4_k_m
  echo "== decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300): $A | $B"
  f=/tmp/m-2.9b-q4_k_m.gguf
  P $B $f >/dev/null
  for r in 1 2 3 4; do echo "-- 2.9b-q4_k_m: $(P $A $f) | $(P $B $f)"; done
  echo "== test_quant_model ($B): $(timeout 200 $B/test_quant_model 2>&1 | tail -1)"
  echo "== bench-mm K-quant decode sweep ($B), weights from memory"
  export BENCH_MM_TYPES=q4_K,q6_K
  export BENCH_MM_CFGS="def:;w64:RWKV_MM_WG=64;w256:RWKV_MM_WG=256;l16:RWKV_MM_LANES=16,RWKV_MM_WG=128;l16u4:RWKV_MM_LANES=16,RWKV_MM_WG=128,RWKV_MM_UNR=4;l8:RWKV_MM_LANES=8,RWKV_MM_WG=128,RWKV_MM_UNR=2;l8u4:RWKV_MM_LANES=8,RWKV_MM_WG=128,RWKV_MM_UNR=4;l16w256:RWKV_MM_LANES=16,RWKV_MM_WG=256;n1u4:RWKV_MM_NR=1,RWKV_MM_UNR=4;n2u2:RWKV_MM_NR=2,RWKV_MM_UNR=2"
  BENCH_MM_COPIES=12 "$B/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=10 "$B/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=40 "$B/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
} 2>&1 | tee "$OUT/s4d.txt"
