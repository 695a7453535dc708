#!/bin/bash
# bench/h100_s23b.sh - session 23: K-quant decode matvecs with lane groups smaller than a
# subgroup summed by subgroupClusteredAdd (RWKV_MM_QDEC=LANES:WG:NR:UNR[:MAXK]; needs a764049): K = 2560 rows
# hold 80 units of 32, which 64 / 32 lanes split unevenly (1.25 / 2.5 a lane), 16 evenly.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  echo "== tests"
  RWKV_MM_LANES=16 gpu_tests test_matmul
  RWKV_MM_QDEC=16:128:1:2 gpu_tests test_matmul test_quant_model
  echo "== bench-mm decode shapes, weights from memory"
  export BENCH_MM_TYPES=q4_K,q6_K
  export BENCH_MM_CFGS="def:;l16w64:RWKV_MM_QDEC=16:64:1:2;l16w128:RWKV_MM_QDEC=16:128:1:2;l16w256u1:RWKV_MM_QDEC=16:256:1:1;l16n2u1:RWKV_MM_QDEC=16:128:2:1;l16w256:RWKV_MM_QDEC=16:256:1:2;l8:RWKV_MM_QDEC=8:128:1:2;l32:RWKV_MM_QDEC=32:128:1:2;l16u4:RWKV_MM_QDEC=16:128:1:4"
  mm_decode_shapes $B
  unset BENCH_MM_TYPES BENCH_MM_CFGS
  gen_models 2.9b-q4_k_m
  echo "== decode in the model"
  decode_sweep 3 "2.9b-q4_k_m" "" "RWKV_MM_QDEC=16:128:1:2:2560" "RWKV_MM_QDEC=16:256:1:2:2560" "RWKV_MM_QDEC=16:128:2:1:2560"
} 2>&1 | tee "$OUT/s23b.txt"
