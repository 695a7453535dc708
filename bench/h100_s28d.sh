#!/bin/bash
# Session 28, fourth and fifth calls: the GPU tests at this build (TESTS, default all of them;
# programs touched where built, a state pool for one state), then rwkv-bench's load to the first
# token against 0a34645 (build-h100b), its progress lines (state, first token, second), three
# interleaved rounds of three loads.
. bench/h100_env.sh
gpu_tests ${TESTS:-test_gpu test_forward test_generate test_quant_model test_faults test_wkv test_lnfuse test_matmul test_regressions}
for m in 2.9b-q4_k_m 0.1b-f16; do [ -f /tmp/m-$m.gguf ] || gen_models $m; done
for m in 2.9b-q4_k_m 0.1b-f16; do
  for r in 1 2 3; do
    for b in build-h100b build-h100; do
      echo "-- $m $b round $r"
      "$b/rwkv-bench" /tmp/m-$m.gguf --prefill 16 --decode 0 --doc 16 2>&1 | grep "load:\|load (warm) to"
    done
  done
done > "$OUT/s28d.txt"
grep -c . "$OUT/s28d.txt"
