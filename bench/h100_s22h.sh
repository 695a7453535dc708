#!/bin/bash
# bench/h100_s22h.sh - session 22: f16 decode matvecs of the 2.9B's shapes from memory
# (BENCH_MM_COPIES) by rows per lane group, lanes and units in flight: the FFN key's 1280 and
# the FFN value's 640 workgroups are more than an H100 holds at once (1056 / 528).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  export BENCH_MM_TYPES=f16
  export BENCH_MM_CFGS="def:;nr2:RWKV_MM_NR=2;nr3:RWKV_MM_NR=3;nr4:RWKV_MM_NR=4;l64:RWKV_MM_LANES=64;l32:RWKV_MM_LANES=32;unr1:RWKV_MM_UNR=1;unr4:RWKV_MM_UNR=4;def2:"
  for r in 1 2; do echo "-- round $r"; mm_decode_shapes "$B"; done
} 2>&1 | tee "$OUT/s22h.txt"
