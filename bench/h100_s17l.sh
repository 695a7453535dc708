#!/bin/bash
# bench/h100_s17l.sh - session 17's last call: the full session run (bench/h100_session.sh) at the
# final engine (written-out k loop with the f16 size rule, q4_K plain thread tiles, r|k stacks).
set -u
TITLE="H100 s17 final 2" CHANGE="tiled matmul: k loop written out (KU 16), f16 8x4 tiles (big shapes), q4_K plain thread tiles; Q4_K_M r|k stacked" \
  bash bench/h100_session.sh > /dev/null 2>&1
grep "rc=" "$OUT/session.txt"
