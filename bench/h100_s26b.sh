#!/bin/bash
# Session 26: bench-persist's pdl mode (no barriers; each phase's workgroups load their first
# weight units, then wait on the count of the earlier dispatches' workgroups) against the
# chain of dispatches with barriers, 2.9B and 0.1B stand-in shapes.
. bench/h100_env.sh
for t in f16 q4; do
  for w in 264 528 1056; do
    for pu in 4 8; do
      echo "== $t 2560 x 32, $w workgroups, PU $pu"
      BENCH_PERSIST_NOGRID=1 BENCH_PERSIST_PU=$pu timeout 120 "$B/bench-persist" $t 2560 32 $w 20 | tail -2
    done
  done
done
for w in 132 264 528; do
  echo "== f16 768 x 12, $w workgroups"
  BENCH_PERSIST_NOGRID=1 timeout 120 "$B/bench-persist" f16 768 12 $w 50 | tail -2
done
