#!/bin/bash
# bench/h100_s14l.sh - session 14: 32 MB ring slots against 64 again (after s14k): first loads in
# fresh processes (six interleaved rounds, both models) and rwkv-bench's rows of loads (first in
# process, repeats), three interleaved rounds.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 2.9b-q4_k_m 0.1b-f16
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 > /dev/null 2>&1; "$B/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 1 > /dev/null 2>&1
  first_loads 6 "2.9b-q4_k_m 0.1b-f16" RWKV_UPLOAD_SLOT_MB=32 ""
  bench_sweep 3 "2.9b-q4_k_m" "--repeat 5 --prefill 16 --decode 0 --doc 16" 'load \(warm' "" RWKV_UPLOAD_SLOT_MB=32
} 2>&1 | tee "$OUT/s14l.txt"
