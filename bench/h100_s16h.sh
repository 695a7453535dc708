#!/bin/bash
# bench/h100_s16h.sh - session 16: split-K thresholds in the model (h100_s16g.sh: at T = 512
# fewer pieces than today's rule won for Wo (8 against 14: -8%) and r/k/v (3 against 5: -4%),
# lost a little for the FFN value (8 against 14: +1.5%)). rwkv-bench's pp512, document state
# and 10 fields on the 2.9B models, interleaved: the default (split below 2112 workgroups,
# 1056 for one or two token tiles, at most 16 pieces) against split below 1300 / 1600 (two-tile
# dispatches unchanged) and at most 32 pieces.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16; do
    "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1
    for r in 1 2; do
      for v in "" "RWKV_MM_SPLIT_MIN=1300 RWKV_MM_SPLIT_MIN_SMALL=1056" \
               "RWKV_MM_SPLIT_MIN=1600 RWKV_MM_SPLIT_MIN_SMALL=1056" "RWKV_MM_SPLIT_MAX=32"; do
        # shellcheck disable=SC2086
        echo "-- $m ${v:-default}: $(bench_figures $m $v)"
      done
    done
  done
} 2>&1 | tee "$OUT/s16h.txt"
