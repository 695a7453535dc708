#!/bin/bash
# bench/h100_s23f.sh - session 23: the 10 fields' LoRA stages through the rows kernel
# (RWKV_MM_SMALLK_TT: second stages, K <= 512; RWKV_MM_SMALLM_TT: first stages' stacks, M <= 1024)
# against the tiles (needs 3408d86, reverted: the rows kernel lost); bench-mm's untimed loop.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests"; RWKV_MM_SMALLK_TT=8 RWKV_MM_SMALLM_TT=8 gpu_tests test_forward test_quant_model
  echo "== fields ms (bench-profile, 40 passes)"
  for m in 2.9b-f16 2.9b-q4_k_m 0.1b-f16; do
    fields_ms $m > /dev/null
    for r in 1 2; do
      for v in "" "RWKV_MM_SMALLK_TT=4" "RWKV_MM_SMALLK_TT=8" "RWKV_MM_SMALLK_TT=16" "RWKV_MM_SMALLM_TT=8" \
        "RWKV_MM_SMALLM_TT=16"; do
        # shellcheck disable=SC2086
        echo "-- $m ${v:-default}: $( [ -n "$v" ] && export $v; fields_ms $m)"
      done
    done
  done
  echo "== bench-mm, a configuration twice"
  BENCH_MM_TYPES=q4_K BENCH_MM_CFGS="def:;again:" BENCH_MM_COPIES=40 "$B/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=q4_K BENCH_MM_CFGS="def:;again:" BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
} 2>&1 | tee "$OUT/s23f.txt"
