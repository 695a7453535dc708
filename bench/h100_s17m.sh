#!/bin/bash
# bench/h100_s17m.sh - session 17: where a short pass's time goes now (the 10 fields' passes are
# ~124 rows): RWKV_PROFILE=1 bench-profile at 124 tokens on the 2.9B Q4_K_M and F16. A first
# process builds the prefill kernels into the shader cache (its profile carries the builds);
# the figures in RESULTS.md come from a second process, 8 passes (s17m2.txt; the first call
# ran only the first part, the second the loop at the end on the same machine).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16; do
    echo "== profile $m, 124 tokens"
    RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 124 4 2>&1 | tail -16
    echo "== unprofiled"
    "$B/bench-profile" /tmp/m-$m.gguf 124 8 2>&1 | tail -1
  done
} 2>&1 | tee "$OUT/s17m.txt"
for m in 2.9b-q4_k_m 2.9b-f16; do
  RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 124 2 > /dev/null 2>&1
  echo "== $m 124 tokens, second process"
  RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-$m.gguf 124 8 2>&1 | tail -16
done 2>&1 | tee "$OUT/s17m2.txt"
