#!/bin/bash
# bench/h100_s6b.sh - session 6: the tiled prefill kernel with its accumulators indexed by
# constants only (RWKV_MM_EPI, default 1) against the old epilogue (EPI=0), with and without
# NVIDIA's unroll-all pragma (RWKV_MM_NVU), 4x8 and 8x8 register tiles, in one bench-mm process
# per shape; pp512 in the model; the program binaries (assembly) as cache.tgz.
set -u
. bench/h100_env.sh
export RWKV_SHADER_CACHE=$OUT/cache
{
  CF="old:RWKV_MM_EPI=0;epi:;nvu:RWKV_MM_NVU=1;oldnvu:RWKV_MM_EPI=0,RWKV_MM_NVU=1"
  CF="$CF;r22:RWKV_MM_RQ=2,RWKV_MM_NQ=2;r22nvu:RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_NVU=1"
  CF="$CF;r22old:RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_EPI=0;r21:RWKV_MM_RQ=2,RWKV_MM_NQ=1"
  CF="$CF;r22bk8:RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_BK=8;r22t128:RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_BT=128"
  for s in "2560 10240" "10240 2560" "2560 2560"; do
    BENCH_MM_TYPES=f16,q4_K,q6_K BENCH_MM_CFGS="$CF" timeout 200 "$B/bench-mm" $s 512
  done
  gen_models 2.9b-q4_k_m
  for r in 1 2; do
    for v in RWKV_MM_EPI=0 RWKV_MM_EPI=1 RWKV_MM_NVU=1 "RWKV_MM_RQ=2 RWKV_MM_NQ=2"; do
      echo "-- pp512 $v: $(env $v "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 512 4 2>&1 | tail -1)"
    done
  done
} 2>&1 | tee "$OUT/s6b.txt"
tar czf "$OUT/cache.tgz" -C "$OUT" cache && rm -rf "$OUT/cache"
