#!/bin/bash
# bench/h100_s24a.sh - session 24: the x traffic of an interleaved K-quant layout for decode,
# before writing one. bench-mm at T = 1 (weights from memory) with RWKV_MM_CUT: 2 no x loads
# (the bound), 4 x read as an interleaved layout would (neighbouring lanes, neighbouring
# quads), 8 q4_K scales decoded per quad as that layout needs, 12 both (the interleaved
# kernel's cost with today's weight loads; garbage out). Then test_matmul (a1f03be's check).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== bench-mm q4_K / q6_K decode shapes, weights from memory, two rounds"
  export BENCH_MM_TYPES=q4_K,q6_K
  export BENCH_MM_CFGS="warm:;def:;cut2:RWKV_MM_CUT=2;cut4:RWKV_MM_CUT=4;cut8:RWKV_MM_CUT=8;cut12:RWKV_MM_CUT=12;def2:;cut2b:RWKV_MM_CUT=2;cut4b:RWKV_MM_CUT=4;cut8b:RWKV_MM_CUT=8;cut12b:RWKV_MM_CUT=12"
  mm_decode_shapes "$B"
  echo "== tests"
  gpu_tests test_matmul
} 2>&1 | tee "$OUT/s24a.txt"
