#!/bin/bash
# bench/h100_s23c.sh - session 23: 16-lane K-quant decode lane groups for q4_K rows only
# (RWKV_MM_QDEC's type field; q6_K lost with them in h100_s23b.sh), in the model and in
# bench-mm after a warm-up config (the first config of a shape had read slow). Needs df90e7e.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  RWKV_MM_QDEC=16:128:2:1:2560:12 gpu_tests test_quant_model
  gen_models 2.9b-q4_k_m
  echo "== decode in the model"
  decode_sweep 3 "2.9b-q4_k_m" "" "RWKV_MM_QDEC=16:128:2:1:2560:12" "RWKV_MM_QDEC=16:128:1:2:2560:12" \
    "RWKV_MM_QDEC=16:64:1:2:2560:12" "RWKV_MM_QDEC=16:256:2:1:2560:12"
  echo "== bench-mm q4_K decode shapes, weights from memory"
  export BENCH_MM_TYPES=q4_K
  export BENCH_MM_CFGS="warm:;def:;l16n2u1:RWKV_MM_QDEC=16:128:2:1;l16w128:RWKV_MM_QDEC=16:128:1:2;l16w64:RWKV_MM_QDEC=16:64:1:2;l16n2w256:RWKV_MM_QDEC=16:256:2:1;l16n4u1:RWKV_MM_QDEC=16:128:4:1"
  BENCH_MM_COPIES=40 "$B/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=20 "$B/bench-mm" 2560 5120 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=12 "$B/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
  BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
} 2>&1 | tee "$OUT/s23c.txt"
