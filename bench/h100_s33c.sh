#!/bin/bash
# bench/h100_s33c.sh - session 33: decode's dispatch counters, second form (RWKV_DSYNC bits as
# in h100_s33b.sh): the counting kernels as programs of their own (the default kernels
# untouched), no weight preload before the wait, the FFN's mix in a slot of its own (fb7cb4a
# without its coherent stores and the WKV edge, off by default then). build-h100b is 14e4fd7.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
for v in "" "RWKV_DSYNC=7 RWKV_DSYNC_CHECK=1"; do
  echo "== tests / fingerprints ${v:-default}"
  for t in test_forward test_generate; do env $v "$B/$t" > "$OUT/$t-${#v}.txt" 2>&1; echo "$t rc=$? $(tail -1 "$OUT/$t-${#v}.txt")"; done
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    echo "$m $(env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*")"
  done
done
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  decode_ms build-h100b /tmp/m-$m.gguf > /dev/null
  for r in 1 2; do
    echo "-- $m 14e4fd7: $(decode_ms build-h100b /tmp/m-$m.gguf)"
    for v in "" RWKV_DSYNC=1 RWKV_DSYNC=2 RWKV_DSYNC=4 RWKV_DSYNC=3 RWKV_DSYNC=7; do
      echo "-- $m ${v:-default}: $(decode_ms $B /tmp/m-$m.gguf $v)"
    done
  done
done
