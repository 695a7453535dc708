#!/bin/bash
# bench/h100_s20b.sh - session 20: the small prefill steps at pp512 on the 2.9B F16 model.
# GPU timestamps per step (RWKV_PROFILE=1, embed: no head) by default, with the gate's LoRA
# second stage before the scan (RWKV_G_LATE=0) and with a barrier after every dispatch
# (RWKV_OVERLAP=0); RWKV_SKIP with the baseline interleaved (bench-profile MODEL 512 6, ms a
# pass); bench-mm of the LoRA second stages' shapes (K = 96 / 64 / 320 into 2560 rows at
# T = 512) with other tiles.
set -u
. bench/h100_env.sh
M=2.9b-f16
pp_ms() { env "$@" "$B/bench-profile" /tmp/m-$M.gguf 512 6 2>&1 | tail -1 | sed 's/.*tokens: //'; }
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models $M
  "$B/rwkv-bench" /tmp/m-$M.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1  # shader cache
  for v in "" RWKV_G_LATE=0 RWKV_OVERLAP=0; do
    echo "== profile ${v:-default}"
    env $v RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$M.gguf 512 4 embed 2>&1 | tail -16
  done
  for r in 1 2 3; do
    for s in none ln_att ln_ffn lora1 lora2 wkv; do echo "-- $M skip $s: $(pp_ms RWKV_SKIP=$s)"; done
  done
  export BENCH_MM_CFGS="default:;bk32:RWKV_MM_BK=32;bk48:RWKV_MM_BK=48;bk32pf:RWKV_MM_BK=32,RWKV_MM_PF=1;t64x32:RWKV_MM_BM=64,RWKV_MM_BT=32;t64x64q1:RWKV_MM_BM=64,RWKV_MM_NQ=1;ku16:RWKV_MM_KU=16;ku16r2:RWKV_MM_KU=16,RWKV_MM_RQ=2,RWKV_MM_NQ=1"
  for k in 96 64 320; do BENCH_MM_TYPES=f32,f16 "$B/bench-mm" $k 2560 512 2>&1 | grep -v "^NVIDIA"; done
} 2>&1 | tee "$OUT/s20b.txt"
