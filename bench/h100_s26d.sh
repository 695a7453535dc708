#!/bin/bash
# Needs a build of 1de2610 (chained dispatches, reverted in 82db634 / 781daf6).
# Session 26: chained decode dispatches (RWKV_CHAIN=1: no barriers inside a decode pass's
# layers; each dispatch's workgroups wait on a done count, polled by loads) against the
# barriers: GPU tests with it on, then decode per token, three interleaved rounds.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
for t in test_forward test_generate test_wkv; do
  s=$(date +%s); RWKV_CHAIN=1 timeout 300 "$B/$t" > "$OUT/chain-$t.txt" 2>&1; echo "chain $t rc=$? $(tail -1 "$OUT/chain-$t.txt") ($(( $(date +%s) - s )) s)"
done
dm() { timeout 120 env "${@:2}" BENCH_OUTPUT=none "$B/bench-profile" "$1" 1 300 2>&1 | tail -1 | sed 's/.*tokens: //;s/ per pass//'; }
for m in 0.1b-f16 2.9b-f16 2.9b-q4_k_m; do
  dm /tmp/m-$m.gguf > /dev/null; dm /tmp/m-$m.gguf RWKV_CHAIN=1 > /dev/null
  for r in 1 2 3; do
    echo "-- $m default: $(dm /tmp/m-$m.gguf)"
    echo "-- $m chain: $(dm /tmp/m-$m.gguf RWKV_CHAIN=1)"
  done
done
for m in 0.1b-f16 2.9b-q4_k_m; do
  for v in "" RWKV_CHAIN=1; do
    echo "-- $m ${v:-default} rwkv-bench: $(timeout 200 env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --doc 16 2>&1 | grep "tg128\|FNV" | cut -d"|" -f7,8 | tr '\n' ' ' | cut -c1-400)"
  done
done
