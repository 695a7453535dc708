#!/bin/bash
# bench/h100_s3ab.sh - session 3's A/B figures, run after bench/h100_session.sh in the same
# call (its models in /tmp): decode per token with the 4-lane WKV kernel off / on, and
# rwkv-bench's document-state and logits read-back figures with the staging read off / on.
set -u
. bench/h100_env.sh
{
  echo "== decode per token, RWKV_WKV_DEC=0 / 1 (BENCH_OUTPUT=none bench-profile MODEL 1 300)"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    for d in 0 1 0 1; do
      echo "-- $m WKV_DEC=$d: $(decode_ms $B /tmp/m-$m.gguf RWKV_WKV_DEC=$d)"
    done
  done
  echo "-- wkv step, GPU timestamps (RWKV_PROFILE=1 bench-profile MODEL 1 64)"
  for m in 0.1b-f16 2.9b-q4_k_m; do
    for d in 0 1; do
      echo "-- $m WKV_DEC=$d: $(RWKV_WKV_DEC=$d RWKV_PROFILE=1 $B/bench-profile /tmp/m-$m.gguf 1 64 2>&1 | grep -E '^  wkv' | tr -s ' ')"
    done
  done
  echo "== rwkv-bench 2.9b Q4_K_M, RWKV_READ_STAGING=0 (the default is in the session table)"
  RWKV_READ_STAGING=0 "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --prefill 64 --decode 128 2>&1 | grep -E "tg128|doc state|fields"
  echo "== rwkv-bench 0.1b F16, RWKV_READ_STAGING=0"
  RWKV_READ_STAGING=0 "$B/rwkv-bench" /tmp/m-0.1b-f16.gguf --quiet --prefill 64 --decode 128 2>&1 | grep -E "tg128|doc state|fields"
} 2>&1 | tee "$OUT/s3ab.txt"
