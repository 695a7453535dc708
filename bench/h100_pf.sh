#!/bin/bash
# bench/h100_pf.sh - the 4x8 tiled prefill kernel with register prefetch (RWKV_MM_PF) and / or
# two shared buffers (RWKV_MM_DB), never measured with this tile before (round 3 tried them
# with 8x8 only); then rwkv-bench prefill figures for the best against the default.
set -u
. bench/h100_env.sh
{
  export BENCH_MM_TYPES=f16,q4_K
  export BENCH_MM_CFGS="def:;pf1:RWKV_MM_PF=1;db1:RWKV_MM_DB=1;pf1db1:RWKV_MM_PF=1,RWKV_MM_DB=1;bk8pf1:RWKV_MM_BK=8,RWKV_MM_PF=1;bk8:RWKV_MM_BK=8"
  for s in "2560 10240" "10240 2560" "2560 7680"; do
    echo "== bench-mm $s"; "$B/bench-mm" $s 160 512 1024 | grep -v "^NVIDIA"
  done
  unset BENCH_MM_TYPES BENCH_MM_CFGS
  "$B/rwkv-gen" /tmp/m-2.9b-q4_k_m.gguf --preset 2.9b --type q4_k_m --vocab "$V" --quiet
  for e in "RWKV_MM_PF=0" "RWKV_MM_PF=1" "RWKV_MM_PF=1 RWKV_MM_DB=1"; do
    echo "== rwkv-bench 2.9b Q4_K_M $e"
    env $e "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 2 --decode 0 2>&1 | grep -E "pp512 |doc state|fields|FNV"
  done
} 2>&1 | tee "$OUT/pf.txt"
