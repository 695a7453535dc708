#!/bin/bash
# Session 28, sixth call: the load to the first token with forward_init's programs in the
# upload batch (touched there) against 0a34645 (build-h100b), rwkv-bench's progress lines, four
# interleaved rounds of three loads; then rwkv-loadtime LOADTIME_FIRST=2 with the touch on and
# off (RWKV_PROGRAM_TOUCH=0) in this build, three rounds of three loads.
. bench/h100_env.sh
gpu_tests test_gpu test_forward test_generate test_faults
for m in 2.9b-q4_k_m 0.1b-f16; do [ -f /tmp/m-$m.gguf ] || gen_models $m; done
bench_loads 4 "2.9b-q4_k_m 0.1b-f16" build-h100b build-h100 > "$OUT/s28e.txt"
warm_loads 2.9b-q4_k_m 0.1b-f16
for m in 2.9b-q4_k_m 0.1b-f16; do repeat_loads 3 $m 3 "RWKV_PROGRAM_TOUCH=1 LOADTIME_FIRST=2" \
  "RWKV_PROGRAM_TOUCH=0 LOADTIME_FIRST=2"; done > "$OUT/s28e-loadtime.txt"
wc -l "$OUT"/s28e*.txt
