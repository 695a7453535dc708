#!/bin/bash
# bench/h100_s7j.sh - session 7: (1) decode before / after the WKV kernel's vec4 staging
# (build-h100b = ee2c8d4, build-h100 = 9c2fef4), interleaved; (2) tiled-kernel settings again
# now that its stores are scalar (bench-mm, T = 124 / 512 / 1024).
set -u
. bench/h100_env.sh
{
  gen_models 2.9b-q4_k_m 2.9b-f16 0.1b-f16
  RWKV_WKV_LORA_FUSE=1 gpu_tests test_forward test_wkv
  for m in 2.9b-q4_k_m 2.9b-f16 0.1b-f16; do
    decode_ms build-h100b /tmp/m-$m.gguf > /dev/null
    for r in 1 2; do
      echo "-- $m before: $(decode_ms build-h100b /tmp/m-$m.gguf)"
      echo "-- $m after: $(decode_ms $B /tmp/m-$m.gguf)"
    done
  done
  for sh in "2560 10240" "10240 2560"; do
    BENCH_MM_TYPES=f16,q4_K BENCH_MM_CFGS="default:;bk32:RWKV_MM_BK=32;bk8:RWKV_MM_BK=8;pf:RWKV_MM_PF=1;db:RWKV_MM_DB=1;bt128:RWKV_MM_BT=128;bm64:RWKV_MM_BM=64;t8x8:RWKV_MM_RQ=2,RWKV_MM_NQ=2;rq2nq1:RWKV_MM_RQ=2,RWKV_MM_NQ=1;swz0:RWKV_MM_SWZ=0" \
      "$B/bench-mm" $sh 124 512 1024 | grep -v "T=1 "
  done
} 2>&1 | tee "$OUT/s7j.txt"
