#!/bin/bash
# bench/h100_s4c.sh - session 4, third call: decode with branch-free loads ($B) against the
# commit before it ($A, build-h100b), interleaved: decode per token, the decode matvecs from
# memory (bench-mm, BENCH_MM_COPIES), what each step costs now (RWKV_SKIP); GPU tests of $B.
set -u
A=${A:-build-h100b}
. bench/h100_env.sh
P() { decode_ms "$1" "$2"; }
{
  echo "== tests on the GPU ($B)"
  gpu_tests test_forward test_generate test_quant_model test_wkv
  echo "== models"
  gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
  echo "== decode per token (BENCH_OUTPUT=none bench-profile MODEL 1 300): $A | $B"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    f=/tmp/m-$m.gguf
    P $B $f >/dev/null
    for r in 1 2 3; do echo "-- $m: $(P $A $f) | $(P $B $f)"; done
  done
  echo "== bench-mm decode from memory: $A then $B"
  export BENCH_MM_TYPES=q4_K,q6_K,f32 BENCH_MM_CFGS="def:"
  for bld in $A $B; do
    echo "-- $bld"
    BENCH_MM_COPIES=12 "$bld/bench-mm" 2560 7680 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=10 "$bld/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
    BENCH_MM_COPIES=10 "$bld/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
  done
  unset BENCH_MM_TYPES BENCH_MM_CFGS
  echo "== skip ($B)"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    f=/tmp/m-$m.gguf
    echo "-- $m none: $(P $B $f)"
    for s in ln_att rkv lora1 wkv wo ln_ffn ffn_key ffn_value; do
      echo "-- $m skip $s: $(RWKV_SKIP=$s P $B $f)"
    done
  done
  echo "== rwkv-bench ($B)"
  "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --title "H100 s4c: 2.9b Q4_K_M" --change "branch-free decode loads" --append "$OUT/RESULTS-gpu.md" 2>&1 | grep -E "tg128|pp512|greedy|doc|fields"
} 2>&1 | tee "$OUT/s4c.txt"
