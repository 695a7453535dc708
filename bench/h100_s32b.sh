#!/bin/bash
# bench/h100_s32b.sh - session 32: when decode flushes (RWKV_SYNC). The default glFlush every 4
# layers against none, and the decode policy (pass:N: after N layers only where the CPU waited
# since the last pass, then at every decode pass's end; lead:N without the end), in
# rwkv-bench's greedy chain and logits-per-token decode and in bench-profile's unread passes.
# Ran on an uncommitted build of 729fbf9 with RWKV_SYNC=pass:N / lead:N; b788a6c keeps one
# policy of them without the knob (every 4 layers where the CPU waited, and every decode
# pass's end), so at b788a6c those variants run as its default.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
VARS=("" "RWKV_SYNC=none" "RWKV_SYNC=pass:0" "RWKV_SYNC=pass:1" "RWKV_SYNC=pass:2" "RWKV_SYNC=pass:4" "RWKV_SYNC=lead:2")
echo "== rwkv-bench tg128: greedy chain | rwkv_forward + logits"
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 32 --doc 64 > /dev/null 2>&1
  for r in 1 2; do
    for v in "${VARS[@]}"; do
      # shellcheck disable=SC2086 # v holds an assignment
      echo "-- $m ${v:-default}: $(env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128" | sed 's/.*| tg128 (\([^)]*\)) | \([0-9.]*\) tok\/s \(\[[^]]*\]\).*/\1 \2 \3/' | tr '\n' ' ')"
    done
  done
done
echo "== bench-profile decode, no read-backs (ms a token)"
decode_sweep 2 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" "${VARS[@]}"
