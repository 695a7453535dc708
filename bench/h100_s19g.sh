#!/bin/bash
# bench/h100_s19g.sh - session 19's final call (5925ba0): the full session run (entries "H100 s19
# final (5925ba0)"), then decode per token (s19g.txt). Old against new in one call: h100_s19b.sh
# (F16), h100_s19c.sh (Q8_0), h100_s19f.sh (Q4_K_M).
TITLE="H100 s19 final (5925ba0)" CHANGE="session 19: 8 x 8 register tiles in prefills of more than 256 tokens for wide f16 / bf16 / q8_0 / q4_0 / q4_1 rows, q4_K FFN value rows (block words shared) and q6_K rows (BK 8)" bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
{
  echo "== decode"
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do echo "-- $m $(decode_ms $B /tmp/m-$m.gguf)"; done
} 2>&1 | tee "$OUT/s19g.txt"
