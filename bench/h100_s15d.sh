#!/bin/bash
# bench/h100_s15d.sh - session 15: smaller upload-ring slots against the default 3 x 64 MB, now
# that rwkv-loadtime shows the ring's making (s15c: ~0.33 ms a MB in a process's first load,
# ~0 later): first loads in fresh processes (eight interleaved rounds per model) and loads
# repeated in one process (four rounds of four); the PCIe link the copies go over.
set -u
. bench/h100_env.sh
VS=("" RWKV_UPLOAD_SLOT_MB=32 RWKV_UPLOAD_SLOT_MB=16 "RWKV_UPLOAD_SLOTS=4 RWKV_UPLOAD_SLOT_MB=16" RWKV_UPLOAD_SLOT_MB=8)
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,pcie.link.gen.current,pcie.link.gen.max,pcie.link.width.current --format=csv
  gen_models 2.9b-q4_k_m 0.1b-f16
  "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 1 > /dev/null 2>&1; "$B/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 1 > /dev/null 2>&1
  for m in 2.9b-q4_k_m 0.1b-f16; do
    for ((r = 0; r < 8; r++)); do
      for v in "${VS[@]}"; do
        echo "-- $m first load ${v:-default}"
        env $v "$B/rwkv-loadtime" "/tmp/m-$m.gguf" 1 2>&1 | grep -A2 "^load 0" | grep -v "programs:"
      done
    done
  done
  echo "== repeated loads in one process"
  for ((r = 0; r < 4; r++)); do
    for v in "${VS[@]}"; do
      echo "-- 2.9b-q4_k_m x4 ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-2.9b-q4_k_m.gguf 4 2>&1 | grep -E "^load|uploads:"
    done
  done
} 2>&1 | tee "$OUT/s15d.txt"
