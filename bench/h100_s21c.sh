#!/bin/bash
# bench/h100_s21c.sh - session 21: split-K pieces per matmul shape in the 10 fields' pass
# (RWKV_MM_SPLIT_KM=K:M:S, new; defaults at T = 124: FFN key 4, FFN value / Wo 14, F16 r/k/v
# stack 5), one shape at a time, bench-profile's ms a pass of rwkv-bench's field lengths.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m
  for m in 2.9b-f16 2.9b-q4_k_m; do
    fields_ms $m > /dev/null
    for r in 1 2; do
      echo "-- $m default: $(fields_ms $m)"
      for s in 8 10 12 16 20; do echo "-- $m value 10240:2560:$s: $(fields_ms $m 10240:2560:$s)"; done
      echo "-- $m default: $(fields_ms $m)"
      for s in 2 3 5 6 8; do echo "-- $m key 2560:10240:$s: $(fields_ms $m 2560:10240:$s)"; done
      echo "-- $m default: $(fields_ms $m)"
      for s in 8 10 12 16 20; do echo "-- $m wo 2560:2560:$s: $(fields_ms $m 2560:2560:$s)"; done
      if [ $m = 2.9b-f16 ]; then
        for s in 3 4 6 8; do echo "-- $m rkv 2560:7680:$s: $(fields_ms $m 2560:7680:$s)"; done
        for s in 8 12 24; do echo "-- $m lora1 2560:576:$s: $(fields_ms $m 2560:576:$s)"; done
      fi
    done
  done
} 2>&1 | tee "$OUT/s21c.txt"
