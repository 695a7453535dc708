#!/bin/bash
# bench/h100_s8d.sh - session 8, last call: the GPU session (tests, rwkv-bench on every model)
# at 08b10ea, then what each decode step costs in the real chain (RWKV_SKIP, two rounds) and
# whether NVIDIA's profilers are on the machine.
set -u
. bench/h100_env.sh
TITLE="H200 s8 final (08b10ea)" CHANGE="session 8: branch-free K-quant scale picks; K-quant big matvecs over 64 lanes; ln_mix loads a channel's inputs before the statistics" bash bench/h100_session.sh > /dev/null 2>&1
{
  grep -E "rc=" "$OUT/session.txt"
  echo "== decode steps left out (BENCH_OUTPUT=none bench-profile MODEL 1 300)"
  decode_sweep 2 "2.9b-q4_k_m 0.1b-f16" "" "RWKV_SKIP=wkv" "RWKV_SKIP=ln_att,ln_ffn" "RWKV_SKIP=rkv,lora1,wo,ffn_key,ffn_value"
  echo "== profilers"; ls -d /usr/local/cuda* 2>&1 | head -3; command -v nsys ncu 2>&1
} 2>&1 | tee "$OUT/s8d.txt"
