#!/bin/bash
# bench/h100_s3final.sh - session 3's last GPU call: bench/h100_session.sh (tests, rwkv-bench on
# every model, profiles), then decode per token with r/k/v and the LoRA first stages allowed
# to overlap (default) against a barrier between them (RWKV_OVERLAP=0), interleaved.
set -u
. bench/h100_env.sh
bash bench/h100_session.sh > /dev/null 2>&1
{
  echo "== decode per token, RWKV_OVERLAP=0 / 1 (BENCH_OUTPUT=none bench-profile MODEL 1 300)"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    for o in 0 1 0 1; do
      echo "-- $m OVERLAP=$o: $(decode_ms $B /tmp/m-$m.gguf RWKV_OVERLAP=$o)"
    done
  done
} 2>&1 | tee "$OUT/s3final.txt"
