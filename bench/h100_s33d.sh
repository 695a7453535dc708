#!/bin/bash
# bench/h100_s33d.sh - session 33: decode's dispatch counters with the WKV -> Wo edge (bit 8;
# with the residual adds' early start the FFN value's edge, bit 4, comes first). Defaults now
# 3 (7 for models narrower than 2048). build-h100b is 14e4fd7. Tests and fingerprints with
# every edge, then bench-profile decode and rwkv-bench's greedy tg128.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
echo "== tests / fingerprints RWKV_DSYNC_CHECK=1"; checks_with "RWKV_DSYNC_CHECK=1" 0.1b-f16 2.9b-q4_k_m 2.9b-f16
echo "== tests / fingerprints RWKV_DSYNC=11 RWKV_DSYNC_CHECK=1"; checks_with "RWKV_DSYNC=11 RWKV_DSYNC_CHECK=1" 0.1b-f16 2.9b-q4_k_m 2.9b-f16
echo "== tests / fingerprints RWKV_DSYNC=15 RWKV_DSYNC_CHECK=1"; checks_with "RWKV_DSYNC=15 RWKV_DSYNC_CHECK=1" 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep_vs build-h100b 2 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" RWKV_DSYNC=0 "" RWKV_DSYNC=3 RWKV_DSYNC=7 RWKV_DSYNC=11 RWKV_DSYNC=15
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  for v in "" RWKV_DSYNC=11; do
    for b in build-h100b $B; do
      [ "$b" = build-h100b ] && [ -n "$v" ] && continue
      echo "-- tg128 $m $b ${v:-default}: $(env $v "$b/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen" | cut -d'|' -f8)"
    done
  done
done
