#!/bin/bash
# bench/h100_s23i.sh - session 23: decode with the q4_K FFN value two rows a lane group (build-h100)
# against the build before it (build-h100b at b660353, 06da2a7's parent); GPU tests of the new build.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gpu_tests test_quant_model test_forward
  gen_models 2.9b-q4_k_m 2.9b-f16
  decode_ab 3 2.9b-q4_k_m build-h100b build-h100
  decode_ab 1 2.9b-f16 build-h100b build-h100
} 2>&1 | tee "$OUT/s23i.txt"
