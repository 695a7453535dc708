#!/bin/bash
# bench/h100_s21d.sh - session 21: the FFN value's split-K pieces in the 10 fields' pass finely
# (h100_s21c.sh: 16 beat the rule's 14 by ~1 ms, 10 / 12 lost 1.5), then per-shape pieces in the
# long passes (pp512, document state: RWKV_MM_SPLIT_KM=K:M:0:L), rwkv-bench interleaved.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m
  for m in 2.9b-f16 2.9b-q4_k_m; do
    fields_ms $m > /dev/null
    for r in 1 2; do
      echo "-- $m default: $(fields_ms $m)"
      for s in 13 15 16 17 18 24 32; do echo "-- $m value 10240:2560:$s: $(fields_ms $m 10240:2560:$s)"; done
    done
  done
  for m in 2.9b-f16 2.9b-q4_k_m; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  figures_ab 2 "2.9b-f16" "" RWKV_MM_SPLIT_KM=10240:2560:0:16 RWKV_MM_SPLIT_KM=10240:2560:0:8 \
    RWKV_MM_SPLIT_KM=10240:2560:0:20 RWKV_MM_SPLIT_KM=2560:10240:0:3 RWKV_MM_SPLIT_KM=2560:10240:0:5 \
    RWKV_MM_SPLIT_KM=2560:2560:0:8 RWKV_MM_SPLIT_KM=2560:2560:0:16 RWKV_MM_SPLIT_KM=2560:7680:0:4 \
    RWKV_MM_SPLIT_KM=2560:7680:0:8
  figures_ab 2 "2.9b-q4_k_m" "" RWKV_MM_SPLIT_KM=10240:2560:16:16 RWKV_MM_SPLIT_KM=10240:2560:16:8
} 2>&1 | tee "$OUT/s21d.txt"
