#!/bin/bash
# bench/h100_s16g.sh - session 16: split-K piece counts against wave quantisation. The tiled
# matmul splits K when a dispatch has fewer than 2112 workgroups (4 a SM on 132 SMs = 528 at
# once); the pieces then run in ceil(WGs x S / 528) waves, and a last wave that is mostly
# empty costs a whole one (2.9B at T = 512: Wo and FFN value 160 workgroups x 14 pieces =
# 2240 = 4.24 waves). bench-mm us per dispatch for the 2.9B's prefill shapes, forced piece
# counts (RWKV_MM_SPLITK) against the default, f16 and q4_K (q6_K for the FFN value).
set -u
. bench/h100_env.sh
cfgs() { local s c=""; for s in "$@"; do c="$c;s$s:RWKV_MM_SPLITK=$s"; done; echo "default:$c"; }
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  export BENCH_MM_TYPES=f16,q4_K,q6_K
  BENCH_MM_CFGS=$(cfgs 8 10 12 13 14 16) "$B/bench-mm" 10240 2560 512 | grep -v "^NVIDIA"
  BENCH_MM_CFGS=$(cfgs 8 10 12 13 14 16) "$B/bench-mm" 2560 2560 512 | grep -v "^NVIDIA"
  export BENCH_MM_TYPES=f16,q4_K
  BENCH_MM_CFGS=$(cfgs 1 2 3 4 5 6) "$B/bench-mm" 2560 7680 512 | grep -v "^NVIDIA"
  BENCH_MM_CFGS=$(cfgs 1 2 3 4 6 8) "$B/bench-mm" 2560 10240 512 | grep -v "^NVIDIA"
  BENCH_MM_CFGS=$(cfgs 8 10 12 13 14 16) "$B/bench-mm" 2560 576 512 | grep -v "^NVIDIA"
  BENCH_MM_CFGS=$(cfgs 4 6 8 12 16) "$B/bench-mm" 10240 2560 124 | grep -v "^NVIDIA"
} 2>&1 | tee "$OUT/s16g.txt"
