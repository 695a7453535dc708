#!/bin/bash
# bench/h100_s29m.sh - session 29: the LoRA second stages of short passes (no g_late) as one batch
# with the gate's first (RWKV_L2_BATCH=1) against three unsplit then the gate's split, with its
# own reduce (the default): the 10 fields, four interleaved rounds.
# Needs a build of 306095e (the knob; kept as the default for passes without g_late, without it).
. bench/h100_env.sh
for m in 0.1b-f16 2.9b-q4_k_m 2.9b-f16; do ls /tmp/m-$m.gguf > /dev/null 2>&1 || gen_models $m; done
for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
  for r in 1 2 3 4; do
    for v in RWKV_L2_BATCH=0 RWKV_L2_BATCH=1; do
      echo "-- $m $v: fields $(fields_ms $m "" $v) ms"
    done
  done
done
