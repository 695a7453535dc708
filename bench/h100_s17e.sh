#!/bin/bash
# bench/h100_s17e.sh - session 17: the tiled kernel's settings again, now that the k loop is
# written out (KU 16 default): register prefetch, two buffers, tile sizes, BK, warp-shaped
# tiles off; bench-mm, every variant in one process.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  export BENCH_MM_CFGS="def:;pf1:RWKV_MM_PF=1;db1:RWKV_MM_DB=1;bm64:RWKV_MM_BM=64;bt128:RWKV_MM_BT=128;bt32:RWKV_MM_BT=32;bk32:RWKV_MM_BK=32;bk8:RWKV_MM_BK=8;swz0:RWKV_MM_SWZ=0;bm256:RWKV_MM_BM=256;defb:"
  mm_prefill_shapes
} 2>&1 | tee "$OUT/s17e.txt"
