#!/bin/bash
# bench/h100_s3probe.sh - session 3's first look on the GPU machine (from the repository root,
# Release build in $B, .debs in .gl/): which GLSL features the driver compiles (bench-glprobe),
# decode matvecs with 32-256 invocations per row from memory (BENCH_MM_COPIES rotates copies
# past the L2), and 2.9B Q4_K_M / F16 decode per token with the same lane settings.
set -u
. bench/h100_env.sh
{
  echo "== glprobe"; "$B/bench-glprobe"
  CF="def:;l64:RWKV_MM_LANES=64;l128:RWKV_MM_LANES=128;l256:RWKV_MM_LANES=256"
  CF="$CF;l64u1:RWKV_MM_LANES=64,RWKV_MM_UNR=1;l128u1:RWKV_MM_LANES=128,RWKV_MM_UNR=1"
  CF="$CF;l128n1u2:RWKV_MM_LANES=128,RWKV_MM_NR=1,RWKV_MM_UNR=2;l32u4:RWKV_MM_LANES=32,RWKV_MM_UNR=4"
  export BENCH_MM_TYPES=f16,q4_K,q6_K BENCH_MM_CFGS="$CF"
  echo "== bench-mm decode from memory"
  BENCH_MM_COPIES=40 "$B/bench-mm" 2560 2560 1
  BENCH_MM_COPIES=12 "$B/bench-mm" 2560 7680 1
  BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1
  BENCH_MM_COPIES=10 "$B/bench-mm" 10240 2560 1
  BENCH_MM_TYPES=q6_K,f16 BENCH_MM_COPIES=2 "$B/bench-mm" 2560 65536 1
  echo "== bench-mm decode L2-warm (one copy)"
  BENCH_MM_CFGS="def:;l128:RWKV_MM_LANES=128" "$B/bench-mm" 10240 2560 1
  unset BENCH_MM_TYPES BENCH_MM_CFGS
  echo "== models"
  "$B/rwkv-gen" /tmp/m-2.9b-q4_k_m.gguf --preset 2.9b --type q4_k_m --vocab "$V" --quiet
  "$B/rwkv-gen" /tmp/m-2.9b-f16.gguf --preset 2.9b --type f16 --vocab "$V" --quiet
  echo "== decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300)"
  for m in q4_k_m f16; do
    for l in 32 64 128; do
      echo "-- $m lanes $l"; RWKV_MM_LANES=$l BENCH_OUTPUT=none "$B/bench-profile" /tmp/m-2.9b-$m.gguf 1 300 2>&1 | tail -2
    done
  done
  echo "-- q4_k_m profile (timestamps)"; RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 1 64 2>&1 | tail -16
} 2>&1 | tee "$OUT/s3probe.txt"
