#!/bin/bash
# bench/h100_s23d.sh - session 23: tile shapes for the 10 fields' T = 124 (two 64-token tiles,
# the second 60 full): one 128-token tile over 64 rows (each weight decoded once a pass, not
# twice), against the defaults, in bench-mm (a warm-up config first) and in the fields' pass.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m
  echo "== fields ms (bench-profile, 40 passes)"
  for m in 2.9b-f16 2.9b-q4_k_m; do
    fields_ms $m > /dev/null
    for r in 1 2; do
      for v in "" "RWKV_MM_BM=64 RWKV_MM_BT=128" "RWKV_MM_BM=64 RWKV_MM_BT=128 RWKV_MM_RQ=2 RWKV_MM_NQ=1" \
        "RWKV_MM_BM=32 RWKV_MM_BT=128 RWKV_MM_RQ=1 RWKV_MM_NQ=2" "RWKV_MM_BT=128 RWKV_MM_RQ=2 RWKV_MM_NQ=2"; do
        # shellcheck disable=SC2086
        echo "-- $m ${v:-default}: $( [ -n "$v" ] && export $v; fields_ms $m)"
      done
    done
  done
  echo "== bench-mm T = 124"
  export BENCH_MM_TYPES=f16,q4_K,q6_K
  export BENCH_MM_CFGS="warm:;def:;b64x128:RWKV_MM_BM=64,RWKV_MM_BT=128;b64x128r2:RWKV_MM_BM=64,RWKV_MM_BT=128,RWKV_MM_RQ=2,RWKV_MM_NQ=1;b32x128:RWKV_MM_BM=32,RWKV_MM_BT=128,RWKV_MM_RQ=1,RWKV_MM_NQ=2;b128x128:RWKV_MM_BT=128,RWKV_MM_RQ=2,RWKV_MM_NQ=2"
  for s in "2560 2560" "2560 7680" "2560 10240" "10240 2560"; do
    "$B/bench-mm" $s 124 | grep -v "^NVIDIA"
  done
} 2>&1 | tee "$OUT/s23d.txt"
