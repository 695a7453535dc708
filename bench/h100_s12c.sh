#!/bin/bash
# bench/h100_s12c.sh - session 12: the ring's buffers copied out in pieces as they are packed
# (RWKV_UPLOAD_PIECE_MB, default 8; 0: a buffer's copy waits for the whole buffer, as before),
# warm 2.9B Q4_K_M / F16 loads, interleaved; the GPU tests of the upload path. PIECES (MiB),
# TESTS and TAG (the output's name) may be set (bench/h100_s12d.sh).
set -u
. bench/h100_env.sh
{
  # shellcheck disable=SC2086
  gpu_tests ${TESTS:-test_gpu test_forward test_quant_model}
  gen_models 2.9b-q4_k_m 2.9b-f16
  for m in 2.9b-q4_k_m 2.9b-f16; do
    "$B/rwkv-loadtime" /tmp/m-$m.gguf 2 > /dev/null
    # shellcheck disable=SC2046
    load_sweep 3 $m 3 $(for p in ${PIECES:-0 8 4 16}; do echo RWKV_UPLOAD_PIECE_MB=$p; done)
  done
  "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --repeat 5 --prefill 16 --decode 0 --doc 16 2>&1 | grep 'load'
} 2>&1 | tee "$OUT/${TAG:-s12c}.txt"
