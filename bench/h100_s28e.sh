#!/bin/bash
# Session 28, sixth call: the load to the first token with forward_init's programs in the
# upload batch (touched there) against 0a34645 (build-h100b), rwkv-bench's progress lines, four
# interleaved rounds of three loads; then rwkv-loadtime LOADTIME_FIRST=2 with the touch on and
# off (RWKV_PROGRAM_TOUCH=0) in this build, three rounds of three loads.
. bench/h100_env.sh
gpu_tests test_gpu test_forward test_generate test_faults
for m in 2.9b-q4_k_m 0.1b-f16; do [ -f /tmp/m-$m.gguf ] || gen_models $m; done
for m in 2.9b-q4_k_m 0.1b-f16; do
  for r in 1 2 3 4; do
    for b in build-h100b build-h100; do
      echo "-- $m $b round $r"
      "$b/rwkv-bench" /tmp/m-$m.gguf --prefill 16 --decode 0 --doc 16 2>&1 | grep "load:\|load (warm) to"
    done
  done
done > "$OUT/s28e.txt"
for m in 2.9b-q4_k_m 0.1b-f16; do
  for r in 1 2 3; do
    for t in 1 0; do
      echo "-- $m touch=$t round $r"
      RWKV_PROGRAM_TOUCH=$t LOADTIME_FIRST=2 "$B/rwkv-loadtime" /tmp/m-$m.gguf 3 | grep "^load [0-9]\|first token\|touched"
    done
  done
done > "$OUT/s28e-loadtime.txt"
wc -l "$OUT"/s28e*.txt
