#!/bin/bash
# bench/h100_s33d.sh - session 33: decode's dispatch counters with the WKV -> Wo edge (bit 8;
# with the residual adds' early start the FFN value's edge, bit 4, comes first). Defaults now
# 3 (7 for models narrower than 2048). build-h100b is 14e4fd7. Tests and fingerprints with
# every edge, then bench-profile decode and rwkv-bench's greedy tg128.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
for v in "RWKV_DSYNC_CHECK=1" "RWKV_DSYNC=11 RWKV_DSYNC_CHECK=1" "RWKV_DSYNC=15 RWKV_DSYNC_CHECK=1"; do
  echo "== tests / fingerprints $v"
  for t in test_forward test_generate; do env $v "$B/$t" > "$OUT/$t-${#v}.txt" 2>&1; echo "$t rc=$? $(tail -1 "$OUT/$t-${#v}.txt")"; done
  for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
    echo "$m $(env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 16 --doc 64 2>&1 | grep -o "greedy 64 tok FNV-1a | [0-9a-f]*")"
  done
done
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  decode_ms build-h100b /tmp/m-$m.gguf > /dev/null
  for r in 1 2; do
    echo "-- $m 14e4fd7: $(decode_ms build-h100b /tmp/m-$m.gguf)"
    for v in RWKV_DSYNC=0 "" RWKV_DSYNC=3 RWKV_DSYNC=7 RWKV_DSYNC=11 RWKV_DSYNC=15; do
      echo "-- $m ${v:-default}: $(decode_ms $B /tmp/m-$m.gguf $v)"
    done
  done
done
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  for v in "" RWKV_DSYNC=11; do
    for b in build-h100b $B; do
      [ "$b" = build-h100b ] && [ -n "$v" ] && continue
      echo "-- tg128 $m $b ${v:-default}: $(env $v "$b/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen" | cut -d'|' -f8)"
    done
  done
done
