#!/bin/bash
# bench/h100_s16e.sh - session 16 final: the full run (h100_session.sh), then rwkv-bench on the
# 2.9B models with session 15's WKV scan (RWKV_WKV_LANES=32, no register prefetch, outputs
# stored per row, pre / post a workgroup a head) against today's defaults, interleaved, and
# 10 fields with the scan instead of the one-kernel step (RWKV_WKV_ONE_BH=0).
set -u
. bench/h100_env.sh
bash bench/h100_session.sh
OLD="RWKV_WKV_LANES=32 RWKV_WKV_SCAN_PF=0 RWKV_WKV_SCAN_OSH=0 RWKV_WKV_HEAD_PG=0"
{
  for m in 2.9b-q4_k_m 2.9b-f16; do
    for r in 1 2; do
      for v in "$OLD" "" "RWKV_WKV_ONE_BH=0"; do
        # shellcheck disable=SC2086
        echo "-- $m ${v:-default}: $(env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --decode 16 2>&1 | grep -E "^\| " | tail -1)"
      done
    done
  done
} 2>&1 | tee "$OUT/s16e.txt"
