#!/bin/bash
# bench/h100_s14m.sh - session 14: the GPU tests at the session's last code (test_forward's load
# through 16 KiB ring slots, test_generate's argmax over 5 workgroups), and the greedy sample.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gpu_tests test_gpu test_forward test_generate test_quant_model test_faults test_wkv
  "$B/rwkv-lua" scripts/generate.lua -t 0 -n 40 "The quick brown fox"; echo
} 2>&1 | tee "$OUT/s14m.txt"
