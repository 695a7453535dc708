#!/bin/bash
# bench/h100_session.sh - what one GPU-machine session runs (from the repository root, with a
# Release build carried in $B and the GL/Lua .deb files in .gl/): the correctness tests on the
# GPU, the greedy sample, then rwkv-bench on the tiny model and on random-weight models of the
# real shapes made on the spot with rwkv-gen, then profiles. Results go to $OUT.
#   B=build-h100 bash bench/h100_session.sh
set -u
. bench/h100_env.sh
R="$OUT/RESULTS-gpu.md"
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  "$B/rwkv-lua" --info
  echo "== tests on the GPU"
  gpu_tests test_gpu test_forward test_generate test_quant_model test_faults test_wkv test_lnfuse test_matmul
  grep -h "max |\|max diff" "$OUT/test_forward.txt" "$OUT/test_quant_model.txt"
  echo "== greedy sample"
  "$B/rwkv-lua" scripts/generate.lua -t 0 -n 40 "The quick brown fox"; echo
  echo "== models"
  gen_models 0.1b-f16 2.9b-f16 2.9b-q4_k_m
  ls -la /tmp/m-*.gguf
  echo "== shader cache warm-up (so that the first-in-process loads below read programs from the cache;"
  echo "   512-token prefills build the long-prefill programs, which the profiles at the end use)"
  for m in models/tiny-rwkv7-834K-F32.gguf /tmp/m-0.1b-f16.gguf /tmp/m-2.9b-q4_k_m.gguf /tmp/m-2.9b-f16.gguf; do
    "$B/rwkv-bench" "$m" --quiet --repeat 1 --prefill 512 --decode 16 --doc 64 > /dev/null 2>&1
  done
  echo "== rwkv-bench"
  T=${TITLE:-"H100 session"}
  "$B/rwkv-bench" models/tiny-rwkv7-834K-F32.gguf --quiet --title "$T: tiny F32" --change "${CHANGE:--}" --append "$R" --json "$OUT/tiny.json"
  "$B/rwkv-bench" /tmp/m-0.1b-f16.gguf --quiet --cold --title "$T: 0.1b F16" --change "${CHANGE:--}" --append "$R" --json "$OUT/0.1b-f16.json"
  "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --cold --title "$T: 2.9b Q4_K_M" --change "${CHANGE:--}" --append "$R" --json "$OUT/2.9b-q4km.json"
  "$B/rwkv-bench" /tmp/m-2.9b-f16.gguf --quiet --repeat 3 --title "$T: 2.9b F16" --change "${CHANGE:--}" --append "$R" --json "$OUT/2.9b-f16.json"
  echo "== profiles (RWKV_PROFILE=1: GPU timestamps per step)"
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 3
  for m in /tmp/m-0.1b-f16.gguf /tmp/m-2.9b-q4_k_m.gguf /tmp/m-2.9b-f16.gguf; do
    echo "-- $m decode (64 steps)"; RWKV_PROFILE=1 "$B/bench-profile" "$m" 1 64 2>&1
    echo "-- $m prefill 512"; RWKV_PROFILE=1 "$B/bench-profile" "$m" 512 2 2>&1
  done
} 2>&1 | tee "$OUT/session.txt"
