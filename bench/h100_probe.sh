#!/bin/bash
# bench/h100_probe.sh - load-time breakdown and decode matvec sweeps on the device machine
# (issue 6 session 2): rwkv-loadtime with upload variants, bench-mm T=1 configs per shape.
#   B=build-h100 OUT=$OUT bash bench/h100_probe.sh
. bench/h100_env.sh
{
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  "$B/rwkv-gen" /tmp/m-2.9b-q4_k_m.gguf --preset 2.9b --type q4_k_m --vocab "$V" --quiet
  echo "== loadtime default"; "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4
  echo "== loadtime 16 threads"; RWKV_UPLOAD_THREADS=16 "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 3
  echo "== loadtime 4 threads"; RWKV_UPLOAD_THREADS=4 "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 3
  echo "== loadtime no map"; RWKV_UPLOAD_MAP=0 "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 3
  echo "== page-cache read speed (cat)"; s=$(date +%s%N); cat /tmp/m-2.9b-q4_k_m.gguf > /dev/null; e=$(date +%s%N); echo "$(( (e-s)/1000000 )) ms"
  DEC="def:;u4:RWKV_MM_UNR=4;n1u4:RWKV_MM_NR=1,RWKV_MM_UNR=4;n2u2:RWKV_MM_NR=2,RWKV_MM_UNR=2;n4u2:RWKV_MM_NR=4,RWKV_MM_UNR=2;w256u4:RWKV_MM_WG=256,RWKV_MM_NR=1,RWKV_MM_UNR=4;w64u4:RWKV_MM_WG=64,RWKV_MM_NR=1,RWKV_MM_UNR=4;w64n2u2:RWKV_MM_WG=64,RWKV_MM_NR=2,RWKV_MM_UNR=2"
  for s in "2560 2560" "2560 7680" "2560 10240" "10240 2560" "2560 65536"; do
    echo "== bench-mm $s 1"; BENCH_MM_TYPES=f16,q4_K,q6_K BENCH_MM_CFGS="$DEC" timeout 100 "$B/bench-mm" $s 1
  done
} 2>&1 | tee "$OUT/probe.txt"
