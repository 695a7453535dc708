#!/bin/bash
# bench/h100_s32f.sh - session 32, at the commit that queues the next greedy chain's first passes
# before reading a chain's ids (RWKV_GEN_LEAD, default 2): the GPU tests it touches, rwkv-bench's
# greedy tg128 against RWKV_GEN_LEAD=0 (the chains as before) and 1 / 4, two interleaved rounds;
# then rwkv-bench's full run of the three random models (TITLE / CHANGE from the environment).
. bench/h100_env.sh
gpu_tests test_generate test_gpu test_faults
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 32 --doc 64 > /dev/null 2>&1
  for r in 1 2; do
    for v in RWKV_GEN_LEAD=0 "" RWKV_GEN_LEAD=1 RWKV_GEN_LEAD=4; do
      # shellcheck disable=SC2086 # v holds an assignment
      echo "-- $m ${v:-default}: $(env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen\|FNV" | cut -d'|' -f8 | tr '\n' ' ')"
    done
  done
done
R="$OUT/RESULTS-gpu.md"
T=${TITLE:-"H100 session"}
"$B/rwkv-bench" /tmp/m-0.1b-f16.gguf --quiet --title "$T: 0.1b F16" --change "${CHANGE:--}" --append "$R" --json "$OUT/0.1b-f16.json" > /dev/null 2>&1
"$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --title "$T: 2.9b Q4_K_M" --change "${CHANGE:--}" --append "$R" --json "$OUT/2.9b-q4km.json" > /dev/null 2>&1
"$B/rwkv-bench" /tmp/m-2.9b-f16.gguf --quiet --title "$T: 2.9b F16" --change "${CHANGE:--}" --append "$R" --json "$OUT/2.9b-f16.json" > /dev/null 2>&1
grep -h "| load (warm\|pp512 (prefill\|tg128 (rwkv_gen\|doc state\|10 fields\|FNV" "$R" | cut -d'|' -f2,7,8 | cut -c1-120
