#!/bin/bash
# bench/h100_s10d.sh - session 10: the layer kernel's wait as a loop of the whole workgroup
# (f82ccf2, $B) against invocation 0 looping alone (a4eab26, $A): test_forward with 256 and
# with 4096 workgroups (most not resident: they wait on nothing but find the counters spent),
# decode per token of both builds interleaved; the tiled kernel with 64-row tiles (bench-mm,
# rwkv-bench fields) as a side question.
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
{
  gpu_tests test_forward
  cp "$OUT/test_forward.txt" "$OUT/test_forward-256.txt"
  export RWKV_PERSIST_WGS=4096; gpu_tests test_forward; unset RWKV_PERSIST_WGS
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  for m in 0.1b-f16 2.9b-f16; do
    decode_ms $B /tmp/m-$m.gguf RWKV_PERSIST=1 > /dev/null
    for r in 1 2 3; do
      for bld in $A $B; do echo "-- $m $bld persist: $(decode_ms $bld /tmp/m-$m.gguf RWKV_PERSIST=1)"; done
      echo "-- $m $B chain: $(decode_ms $B /tmp/m-$m.gguf)"
    done
  done
  echo "== tiled, 64-row tiles"
  BENCH_MM_CFGS="def:;bm64:RWKV_MM_BM=64" BENCH_MM_TYPES=f16,q4_K,q6_K "$B/bench-mm" 2560 10240 512 124 2>&1 | grep -v "^NVIDIA"
  BENCH_MM_CFGS="def:;bm64:RWKV_MM_BM=64" BENCH_MM_TYPES=f16,q4_K,q6_K "$B/bench-mm" 10240 2560 512 124 2>&1 | grep -v "^NVIDIA"
  bench_sweep 2 "2.9b-q4_k_m" "--repeat 3 --prefill 512 --decode 16 --doc 1024" 'fields|pp512 \(|doc state|FNV' \
    "RWKV_MM_BM=128" "RWKV_MM_BM=64"
} 2>&1 | tee "$OUT/s10d.txt"
