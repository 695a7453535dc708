#!/bin/bash
# bench/h100_s33b.sh - session 33: decode's dispatch counters (RWKV_DSYNC: a consumer waits on
# its producer's workgroup count instead of a barrier; bits 1 the attention layer norm ->
# r / k / v + LoRA-1, 2 the FFN layer norm -> FFN key, 4 FFN key -> FFN value). build-h100
# had the first form (never committed: every decode program counting, its first weight units
# loaded before the wait; RESULTS.md "Session 33"), off by default; build-h100b is 14e4fd7.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
for v in "" "RWKV_DSYNC=7 RWKV_DSYNC_CHECK=1"; do
  echo "== test_forward / test_generate $v"
  for t in test_forward test_generate; do env $v "$B/$t" > "$OUT/$t-${v:0:12}.txt" 2>&1; echo "$t rc=$? $(tail -1 "$OUT/$t-${v:0:12}.txt")"; done
  echo "== fingerprints $v"
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    echo "$m $(env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*")"
  done
done
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  decode_ms build-h100b /tmp/m-$m.gguf > /dev/null
  for r in 1 2; do
    echo "-- $m 14e4fd7: $(decode_ms build-h100b /tmp/m-$m.gguf)"
    for v in "" RWKV_DSYNC=1 RWKV_DSYNC=2 RWKV_DSYNC=4 RWKV_DSYNC=7; do
      echo "-- $m ${v:-default}: $(decode_ms $B /tmp/m-$m.gguf $v)"
    done
  done
done
