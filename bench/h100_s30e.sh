#!/bin/bash
# bench/h100_s30e.sh - the FFN value's f16 rows from 64 rows (the new default) at the edges:
# three fields (42 rows: off by default) with it from 16, five (70 rows) with it off, eight
# sequences of 64 tokens (one-kernel WKV, 512 rows) with the decodes before their matmuls
# (RWKV_R16_BESIDE=0), one sequence of 64 tokens with it off; bench-profile ms a pass, three
# interleaved rounds (2.9B and 1.5B Q4_K_M).
. bench/h100_env.sh
gen_models 2.9b-q4_k_m 1.5b-q4_k_m
bp() { # LENS PASSES VAR...: bench-profile's ms a pass of a batch of those lengths (embeddings)
  local lens=$1 n=$2
  shift 2
  env "$@" BENCH_LENS=$lens "$B/bench-profile" /tmp/m-$m.gguf 0 $n embed 2>&1 | tail -1 | awk '{print $(NF-3)}'
}
for m in 2.9b-q4_k_m 1.5b-q4_k_m; do
  bp 13,10,14 10 > /dev/null
  for r in 1 2 3; do
    echo "-- $m 3 fields: default $(bp 13,10,14 40), from 16 $(bp 13,10,14 40 RWKV_FFN_F16_MIN=16)"
    echo "-- $m 5 fields: default $(bp 13,10,14,8,12 40), off $(bp 13,10,14,8,12 40 RWKV_FFN_F16_MIN=0)"
    echo "-- $m 8 x 64: default $(bp 64,64,64,64,64,64,64,64 8), before $(bp 64,64,64,64,64,64,64,64 8 RWKV_R16_BESIDE=0), off $(bp 64,64,64,64,64,64,64,64 8 RWKV_FFN_F16_MIN=0)"
    echo "-- $m 1 x 64: default $(bp 64 20), off $(bp 64 20 RWKV_FFN_F16_MIN=0)"
  done
done
