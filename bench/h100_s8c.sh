#!/bin/bash
# bench/h100_s8c.sh - session 8: K-quant big matvecs over 64 lanes and ln_mix loading a
# channel's inputs before the row statistics ($B) against e73a116 ($A), decode per token and
# rwkv-bench interleaved; RWKV_MM_WCOH=1 (weights declared coherent: loads that skip L1) on
# its own; the GPU tests of $B. (The build measured had the RWKV_MM_WCOH knob; it was dropped
# before 08b10ea, so with later builds that variant runs the defaults.)
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
{
  echo "== bench-mm $B, def vs coherent weights"
  export BENCH_MM_CFGS="def:;wcoh:RWKV_MM_WCOH=1;def2:;wcoh2:RWKV_MM_WCOH=1"
  BENCH_MM_TYPES=q4_K,q6_K,f16 BENCH_MM_COPIES=10 "$B/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=q4_K,f16 BENCH_MM_COPIES=10 "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=q4_K,f16 BENCH_MM_COPIES=40 "$B/bench-mm" 2560 2560 1 | grep -v "^NVIDIA"
  BENCH_MM_TYPES=q4_K,f16 "$B/bench-mm" 2560 10240 512 | grep -v "^NVIDIA"
  unset BENCH_MM_CFGS
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  echo "== decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300), $A then $B"
  for m in 2.9b-q4_k_m 0.1b-f16 2.9b-f16; do
    decode_ms $A /tmp/m-$m.gguf > /dev/null
    for bld in $A $B $A $B $A $B; do echo "-- $m $bld: $(decode_ms $bld /tmp/m-$m.gguf)"; done
  done
  echo "== $B with coherent weights"
  decode_sweep 2 "2.9b-q4_k_m 2.9b-f16" "" "RWKV_MM_WCOH=1"
  for bld in $A $B $A $B; do
    echo "-- rwkv-bench q4_k_m $bld: $("$bld/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 5 --prefill 512 --decode 64 --doc 1024 2>&1 |
      grep -E 'fields|pp512 \(|doc state|decode|FNV' | sed 's/.*| \(.*\) | \(.*\) |$/\1: \2/' | cut -c1-70 | tr '\n' ';')"
  done
  echo "== tests on the GPU ($B)"
  gpu_tests test_forward test_quant_model test_generate test_lnfuse test_matmul
} 2>&1 | tee "$OUT/s8c.txt"
