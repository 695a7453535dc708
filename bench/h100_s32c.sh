#!/bin/bash
# bench/h100_s32c.sh - session 32, at b788a6c: its decode flushes (the default) against the
# flush every 4 layers before it (RWKV_SYNC=flush:4) in rwkv-bench's two decode paths; then how
# often the passes of more than one row flush (RWKV_SYNC=flush:N) and the Wo's pieces in the 10
# fields' pass (RWKV_MM_SPLIT_KM=2560:2560:S), in bench-profile's passes.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
echo "== rwkv-bench tg128: greedy chain | rwkv_forward + logits"
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do
  "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 1 --prefill 64 --decode 32 --doc 64 > /dev/null 2>&1
  for r in 1 2; do
    for v in "" "RWKV_SYNC=flush:4"; do
      # shellcheck disable=SC2086 # v holds an assignment
      echo "-- $m ${v:-default}: $(env $v "$B/rwkv-bench" /tmp/m-$m.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128" | sed 's/.*| tg128 (\([^)]*\)) | \([0-9.]*\) tok\/s \(\[[^]]*\]\).*/\1 \2 \3/' | tr '\n' ' ')"
    done
  done
done
echo "== 10 fields (ms a pass) by flush interval and Wo pieces"
for m in 2.9b-q4_k_m 2.9b-f16; do
  fields_ms $m "" > /dev/null
  for r in 1 2; do
    for v in "" RWKV_SYNC=flush:8 RWKV_SYNC=flush:16 RWKV_SYNC=flush:32; do
      # shellcheck disable=SC2086
      echo "-- $m ${v:-default}: $(fields_ms $m "" $v) ms"
    done
    for s in 7 10 20; do echo "-- $m Wo in $s: $(fields_ms $m 2560:2560:$s) ms"; done
  done
done
echo "== pp512 / 1024-token pass by flush interval (2.9B Q4_K_M)"
for r in 1 2; do
  for v in "" RWKV_SYNC=flush:8 RWKV_SYNC=flush:32; do
    # shellcheck disable=SC2086
    echo "-- ${v:-default}: pp512 $(pass_ms 2.9b-q4_k_m $v | sed 's/.*: //'); 1024 $(env $v "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf 1024 3 2>&1 | tail -1 | sed 's/.*: //')"
  done
done
