#!/bin/bash
# bench/h100_swz.sh - tiled prefill matmul with warp-shaped thread tiles (RWKV_MM_SWZ) against
# the old mapping and a few tiles that the lower shared-memory traffic may favour; then
# rwkv-bench's prefill figures on the 2.9B Q4_K_M model with SWZ off / on (one call).
set -u
. bench/h100_env.sh
{
  export BENCH_MM_TYPES=f16,q4_K
  export BENCH_MM_CFGS="s0:RWKV_MM_SWZ=0;s1:;s1r2:RWKV_MM_RQ=2,RWKV_MM_NQ=2;s1bt128:RWKV_MM_BT=128;s1bk32:RWKV_MM_BK=32;s1bm64:RWKV_MM_BM=64"
  for s in "2560 10240" "10240 2560" "2560 7680"; do
    echo "== bench-mm $s"; "$B/bench-mm" $s 160 512 1024 | grep -v "^NVIDIA"
  done
  unset BENCH_MM_TYPES BENCH_MM_CFGS
  "$B/rwkv-gen" /tmp/m-2.9b-q4_k_m.gguf --preset 2.9b --type q4_k_m --vocab "$V" --quiet
  for z in 0 1 0 1; do
    echo "== rwkv-bench 2.9b Q4_K_M RWKV_MM_SWZ=$z"
    RWKV_MM_SWZ=$z "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 2 --decode 0 2>&1 | grep -E "pp512 |doc state|fields|FNV"
  done
} 2>&1 | tee "$OUT/swz.txt"
