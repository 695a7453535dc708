#!/bin/bash
# bench/h100_s16f.sh - session 16: rwkv-bench's prefill, document state and 10 fields on the
# 2.9B models with session 15's WKV scan (OLD: a subgroup a row, no register prefetch,
# outputs stored per row, pre / post a workgroup a head) against today's defaults,
# interleaved, and two variants: 10 fields through the scan (RWKV_WKV_ONE_BH=0), chunks of
# 16 tokens (RWKV_WKV_CH=16). (h100_s16e.sh's comparison printed only the table's last line.)
set -u
. bench/h100_env.sh
OLD="RWKV_WKV_LANES=32 RWKV_WKV_SCAN_PF=0 RWKV_WKV_SCAN_OSH=0 RWKV_WKV_HEAD_PG=0"
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16; do
    "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1
    for r in 1 2; do
      for v in "$OLD" "" "RWKV_WKV_ONE_BH=0" "RWKV_WKV_CH=16"; do
        # shellcheck disable=SC2086
        echo "-- $m ${v:-default}: $(bench_figures $m $v)"
      done
    done
  done
} 2>&1 | tee "$OUT/s16f.txt"
