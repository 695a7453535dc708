#!/bin/bash
# bench/h100_s22i.sh - session 22: decode of the f16 FFN value with two rows a lane group
# ($B, the new rule) against the build before it (build-h100b), interleaved; the GPU tests.
# Needs 47625e9 (reverted in 077d2c4).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 0.1b-f16 2.9b-f16
  echo "== tests"; gpu_tests test_matmul test_forward
  echo "== decode"
  decode_ab 4 2.9b-f16 build-h100b "$B"
  decode_ab 2 0.1b-f16 build-h100b "$B"
} 2>&1 | tee "$OUT/s22i.txt"
