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
  warm_loads 2.9b-q4_k_m 0.1b-f16
  first_loads 8 "2.9b-q4_k_m 0.1b-f16" "${VS[@]}"
  echo "== repeated loads in one process"
  repeat_loads 4 2.9b-q4_k_m 4 "${VS[@]}"
} 2>&1 | tee "$OUT/s15d.txt"
