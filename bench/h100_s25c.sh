#!/bin/bash
# bench/h100_s25c.sh - session 25's final run: h100_session.sh at the session's last commit
# (build-h100), then whether the 10 fields (124 rows, no scan to hide the decodes) would gain
# from rows16 at a lower row threshold.
set -u
TITLE=${TITLE:-"H100 s25 final"} CHANGE=${CHANGE:-"session 25: K-quant r/k/v and FFN key on f16 rows in long prefills too (rows16)"} \
  bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
{
  echo "== 10 fields (ms), 2.9B Q4_K_M, two rounds"
  for r in 1 2; do
    echo "-- default: $(fields_ms 2.9b-q4_k_m)"
    echo "-- rows16 from 100 rows: $(RWKV_RKV_F16_MIN=100 RWKV_FFK_F16_MIN=100 RWKV_FFN_F16_MIN=100 fields_ms 2.9b-q4_k_m)"
  done
} 2>&1 | tee "$OUT/s25c.txt"
grep -E "rc=|max \||FNV|pp512 \(|doc state|10 fields|tg128 \(rwkv_gen|load \(warm\)" "$OUT/session.txt" "$OUT/RESULTS-gpu.md" | cut -c1-260
