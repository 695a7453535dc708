#!/bin/bash
# bench/h100_s23g.sh - session 23: what the q4_K / f16 decode matvecs spend their time on
# (bench-mm T = 1 from memory: RWKV_MM_CUT=1 no decode / dots, 2 no x loads, 3 neither; x staged
# in shared memory, RWKV_MM_XSH=1), with bench-mm's untimed loop (d2d041d).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  export BENCH_MM_TYPES=q4_K,f16
  export BENCH_MM_CFGS="def:;cut1:RWKV_MM_CUT=1;cut2:RWKV_MM_CUT=2;cut3:RWKV_MM_CUT=3;xsh:RWKV_MM_XSH=1;def2:"
  for r in 1 2; do mm_decode_shapes $B; done
} 2>&1 | tee "$OUT/s23g.txt"
