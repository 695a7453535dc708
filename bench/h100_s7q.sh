#!/bin/bash
# bench/h100_s7q.sh - session 7, last call: the GPU session (tests, rwkv-bench on every model)
# at ee866f2, then the scan chunk 4 / 8 / 0 on Q4_K_M and 8 / 0 on F16, interleaved.
set -u
. bench/h100_env.sh
TITLE="H200 s7 final 2 (ee866f2)" CHANGE="session 7: float tiles in the tiled matmul; WKV decode stages whole vec4s; the WKV scan stages 8 tokens of inputs in shared memory; cold files read while the context opens" bash bench/h100_session.sh > /dev/null 2>&1
{
  grep -E "rc=" "$OUT/session.txt"
  bench_sweep 1 "2.9b-q4_k_m" "--repeat 5 --prefill 512 --decode 8 --doc 1024" \
    'fields|pp512 \(|doc state' "RWKV_WKV_CH=4" "RWKV_WKV_CH=8" "RWKV_WKV_CH=0"
  bench_sweep 1 "2.9b-f16" "--repeat 5 --prefill 512 --decode 8 --doc 1024" \
    'fields|pp512 \(|doc state' "RWKV_WKV_CH=8" "RWKV_WKV_CH=0"
} 2>&1 | tee "$OUT/s7q.txt"
