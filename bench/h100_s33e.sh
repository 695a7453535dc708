#!/bin/bash
# bench/h100_s33e.sh - session 33: decode's dispatch counters made safe (counting programs
# store coherently; Wo's edge only without the residual adds' early start) and on by default:
# the tests several times (a race would show now and then), fingerprints, decode against
# RWKV_DSYNC=0 and 14e4fd7 (build-h100b), greedy tg128.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
for v in RWKV_DSYNC_CHECK=1 RWKV_DSYNC_CHECK=1 "RWKV_DSYNC=15 RWKV_DSYNC_CHECK=1" "RWKV_DSYNC=15 RWKV_RES_EARLY=0 RWKV_DSYNC_CHECK=1"; do
  for t in test_forward test_generate; do env $v "$B/$t" > "$OUT/$t.txt" 2>&1; echo "$v $t rc=$? $(tail -1 "$OUT/$t.txt")"; grep -m3 "CHECK failed" "$OUT/$t.txt"; done
done
fingerprints 0.1b-f16 2.9b-q4_k_m 2.9b-f16
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  decode_ms build-h100b /tmp/m-$m.gguf > /dev/null
  for r in 1 2; do
    echo "-- $m 14e4fd7: $(decode_ms build-h100b /tmp/m-$m.gguf)"
    for v in RWKV_DSYNC=0 ""; do echo "-- $m ${v:-default}: $(decode_ms $B /tmp/m-$m.gguf $v)"; done
  done
  for b in build-h100b $B; do
    echo "-- tg128 $m $b: $("$b/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen" | cut -d'|' -f8)"
  done
done
