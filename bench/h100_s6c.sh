#!/bin/bash
# bench/h100_s6c.sh - session 6: the WKV kernel with NVIDIA's unroll-all pragma (default;
# RWKV_WKV_NVU=0 without: S[] was in local memory) and the matmul kernels with it
# (RWKV_MM_NVU=1), decode interleaved; 8 x 8 prefill tiles with it (bench-mm); binaries.
set -u
. bench/h100_env.sh
export RWKV_SHADER_CACHE=$OUT/cache
{
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  gpu_tests test_wkv test_forward
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16 0.1b-f16" "" RWKV_WKV_NVU=0 RWKV_MM_NVU=1
  for r in 1 2; do
    for v in RWKV_WKV_NVU=0 RWKV_WKV_NVU=1; do
      echo "-- pp512 $v: $(env $v "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 4 2>&1 | tail -1)"
      echo "-- T=16 B=1 $v: $(env $v "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 16 20 2>&1 | tail -1)"
    done
  done
  P=RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_NVU=1
  CF="base:;r22n:$P;r22t128n:$P,RWKV_MM_BT=128;r22bk32n:$P,RWKV_MM_BK=32;r22bk8n:$P,RWKV_MM_BK=8"
  CF="$CF;r22m64n:$P,RWKV_MM_BM=64;r22dbn:$P,RWKV_MM_DB=1;r22pfn:$P,RWKV_MM_PF=1;r21n:RWKV_MM_RQ=2,RWKV_MM_NQ=1,RWKV_MM_NVU=1"
  CF="$CF;r12t128n:RWKV_MM_NVU=1,RWKV_MM_BT=128;r22t128m64n:$P,RWKV_MM_BT=128,RWKV_MM_BM=64"
  BENCH_MM_TYPES=f16,q4_K BENCH_MM_CFGS="$CF" timeout 200 "$B/bench-mm" 2560 10240 512
} 2>&1 | tee "$OUT/s6c.txt"
tar czf "$OUT/cache.tgz" -C "$OUT" cache && rm -rf "$OUT/cache"
