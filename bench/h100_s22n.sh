#!/bin/bash
# bench/h100_s22n.sh - session 22: the one-kernel WKV step with a token's inputs loaded a token
# ahead ($B) against the build before it (build-h100b): the 10 fields in bench-profile and
# rwkv-bench, interleaved; the GPU tests.
# Needs dabcd1f (reverted in ff2093b).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  echo "== tests"; gpu_tests test_wkv test_forward
  echo "== fields ms (bench-profile, 40 passes)"
  for m in 0.1b-f16 2.9b-f16 2.9b-q4_k_m; do
    B=build-h100b fields_ms $m > /dev/null; fields_ms $m > /dev/null
    for r in 1 2 3; do echo "-- $m b: $(B=build-h100b fields_ms $m); a: $(fields_ms $m)"; done
  done
  figures_ab 1 "2.9b-q4_k_m" @build-h100b "@$B"
} 2>&1 | tee "$OUT/s22n.txt"
