#!/bin/bash
# bench/h100_s33i.sh - session 33: with the residual adds' early start the FFN layer norm's
# edge yields to the FFN value's (h100_s33h.sh: both together failed test_wkv): the tests that
# failed and the ones that touch decode, then the 0.1B's decode with edges 0 + 1 against the
# default (0 + 2 there) and the barriers.
. bench/h100_env.sh
for t in test_wkv test_forward test_generate; do
  "$B/$t" > "$OUT/$t.txt" 2>&1; echo "$t rc=$? $(tail -1 "$OUT/$t.txt")"
done
gen_models 0.1b-f16
fingerprints 0.1b-f16
decode_ms $B /tmp/m-0.1b-f16.gguf > /dev/null
for r in 1 2 3; do
  for v in RWKV_DSYNC=0 RWKV_DSYNC=3 ""; do echo "-- 0.1b-f16 ${v:-default}: $(decode_ms $B /tmp/m-0.1b-f16.gguf $v)"; done
done
echo "-- tg128 0.1b-f16: $("$B/rwkv-bench" /tmp/m-0.1b-f16.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen" | cut -d'|' -f8)"
