#!/bin/bash
# bench/h100_s6e.sh - session 6: which setting makes the token map's GPU test failures go
# away (test_forward / test_wkv under each).
set -u
. bench/h100_env.sh
for v in "" RWKV_TOKEN_MAP=0 RWKV_MM_SPLITK=1 RWKV_MM_SWZ=0 RWKV_OVERLAP=0 "RWKV_MM_DB=1 RWKV_MM_PF=1" \
         RWKV_MM_BT=32 "RWKV_MM_SPLITK=1 RWKV_OVERLAP=0" RWKV_SYNC=finish:1; do
  echo "-- ${v:-default}: $(env $v RWKV_GPU_QUIET=1 $B/test_forward 2>&1 | tail -1) | $(env $v RWKV_GPU_QUIET=1 $B/test_wkv 2>&1 | grep -c 'CHECK failed')"
done 2>&1 | tee "$OUT/s6e.txt"
