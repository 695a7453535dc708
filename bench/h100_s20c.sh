#!/bin/bash
# bench/h100_s20c.sh - session 20: 64 x 64 tiles for the short-K float matmuls (the LoRA second
# stages; RWKV_MM_SHORTK 2 = default, 1 long prefills only, 0 off) in rwkv-bench, interleaved,
# with the split slice rule at 27 beside; bench-mm of those shapes at T = 124; what the WKV
# scan's row sums cost now (RWKV_WKV_SCAN_CUT=1, GPU timestamps, 2.9B F16 pp512).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  gen_models 2.9b-f16 2.9b-q4_k_m 0.1b-f16
  for m in 2.9b-f16 2.9b-q4_k_m 0.1b-f16; do "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --decode 0 > /dev/null 2>&1; done
  for v in "" RWKV_WKV_SCAN_CUT=1 RWKV_WKV_SCAN_CUT=8; do
    echo "== wkv ${v:-default}: $(env $v RWKV_PROFILE=1 "$B/bench-profile" /tmp/m-2.9b-f16.gguf 512 4 embed 2>&1 | grep -E '^  wkv')"
  done
  export BENCH_MM_CFGS="default:;off:RWKV_MM_SHORTK=0"
  for k in 96 64 320; do BENCH_MM_TYPES=f32,f16 "$B/bench-mm" $k 2560 124 2>&1 | grep -v "^NVIDIA"; done
  figures_ab 2 "2.9b-f16 2.9b-q4_k_m 0.1b-f16" "" RWKV_MM_SHORTK=0 RWKV_MM_SHORTK=1 "RWKV_MM_SPLIT_SLICES=27"
} 2>&1 | tee "$OUT/s20c.txt"
