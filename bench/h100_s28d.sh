#!/bin/bash
# Session 28, fourth and fifth calls: the GPU tests at this build (TESTS, default all of them;
# programs touched where built, a state pool for one state), then rwkv-bench's load to the first
# token against 0a34645 (build-h100b), its progress lines (state, first token, second), three
# interleaved rounds of three loads.
. bench/h100_env.sh
ALL="test_gpu test_forward test_generate test_quant_model test_faults test_wkv test_lnfuse test_matmul"
# shellcheck disable=SC2086 # a list of tests
gpu_tests ${TESTS:-$ALL test_regressions}
for m in 2.9b-q4_k_m 0.1b-f16; do [ -f /tmp/m-$m.gguf ] || gen_models $m; done
bench_loads 3 "2.9b-q4_k_m 0.1b-f16" build-h100b build-h100 > "$OUT/s28d.txt"
grep -c . "$OUT/s28d.txt"
