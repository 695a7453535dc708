#!/bin/bash
# bench/h100_s8b.sh - session 8: K-quant decode shapes again now that the scale picks are
# branch-free (e73a116): lanes per row (32 / 64 / 128) x rows per lane group x units in flight,
# bench-mm with the weights from memory, then the model with global overrides.
set -u
. bench/h100_env.sh
{
  export BENCH_MM_CFGS="def:;l64:RWKV_MM_LANES=64;l64u1:RWKV_MM_LANES=64,RWKV_MM_UNR=1;l64u2:RWKV_MM_LANES=64,RWKV_MM_UNR=2;l64u4:RWKV_MM_LANES=64,RWKV_MM_UNR=4;l64n1u2:RWKV_MM_LANES=64,RWKV_MM_NR=1,RWKV_MM_UNR=2;l64n1u4:RWKV_MM_LANES=64,RWKV_MM_NR=1,RWKV_MM_UNR=4;l64n2u2:RWKV_MM_LANES=64,RWKV_MM_NR=2,RWKV_MM_UNR=2;l128:RWKV_MM_LANES=128;l128u1:RWKV_MM_LANES=128,RWKV_MM_UNR=1;l128n1u1:RWKV_MM_LANES=128,RWKV_MM_NR=1,RWKV_MM_UNR=1;l64w128:RWKV_MM_LANES=64,RWKV_MM_WG=128;def2:"
  export BENCH_MM_TYPES=q4_K,q6_K
  for r in 1 2; do
    echo "== round $r"
    BENCH_MM_COPIES=40 "$B/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=12 "$B/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=10 "$B/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
  done
  BENCH_MM_TYPES=q6_K BENCH_MM_COPIES=3 "$B/bench-mm" 2560 65536 1 | grep -v "^NVIDIA"
  unset BENCH_MM_TYPES BENCH_MM_CFGS
  gen_models 2.9b-q4_k_m
  decode_sweep 2 "2.9b-q4_k_m" "" "RWKV_MM_LANES=64" "RWKV_MM_LANES=64 RWKV_MM_UNR=4" "RWKV_MM_LANES=128" "RWKV_MM_UNR=4"
} 2>&1 | tee "$OUT/s8b.txt"
