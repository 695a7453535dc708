#!/bin/bash
# bench/h100_s22j.sh - session 22: the session's decode against its start (build-h100b at
# 424801b), interleaved, and rwkv-bench's pp512 / document state / fields rows of both.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  for m in 0.1b-f16 2.9b-f16 2.9b-q4_k_m; do decode_ab 3 $m build-h100b "$B"; done
  figures_ab 1 "2.9b-q4_k_m" @build-h100b "@$B"
} 2>&1 | tee "$OUT/s22j.txt"
