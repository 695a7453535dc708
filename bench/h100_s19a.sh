#!/bin/bash
# bench/h100_s19a.sh - session 19: does NVIDIA's GLES driver tell the SM count (GL_SM_COUNT_NV
# of GL_NV_shader_thread_group, else gl_SMCountNV), and do the split-K targets from it (16 / 8
# workgroups an SM) keep the H100's figures (132 SMs: 2112 / 1056, as before)? The GPU tests
# of the new code, then rwkv-bench with the driver's count against RWKV_GPU_SMS=0 (unknown:
# the old constants). Then f16 8 x 8 register tiles (RQ 2 NQ 2) per shape against the
# defaults (bench-mm, T = 124 / 512 / 1024) and in the 2.9B F16 model for its widest shapes
# (RWKV_MM_F16_WIDE: FFN key / value only, or r/k/v too).
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  "$B/bench-glprobe" > "$OUT/glprobe.txt" 2>&1
  head -1 "$OUT/glprobe.txt"
  tr ' ' '\n' < "$OUT/glprobe.txt" | grep -E "thread_group|sm_builtins"
  grep -i "SM count" "$OUT/glprobe.txt"
  gpu_tests test_gpu test_matmul
  grep -m1 "SMs" "$OUT/test_gpu.txt"
  gen_models 2.9b-q4_k_m 2.9b-f16
  echo "== split pieces, driver's count / RWKV_GPU_SMS=0 (q4_K, T = 124 512 1024)"
  for s in "" 0; do
    for sh in "2560 2560" "2560 10240" "10240 2560"; do
      env ${s:+RWKV_GPU_SMS=$s} BENCH_MM_TYPES=q4_K "$B/bench-mm" $sh 124 512 1024 | grep -v "^NVIDIA"
    done
  done
  figures_ab 1 "2.9b-q4_k_m" "" RWKV_GPU_SMS=0
  echo "== f16 8 x 8 tiles per shape"
  export BENCH_MM_CFGS="default:;r2n2:RWKV_MM_F16_WIDE=1"
  for sh in "2560 2560" "2560 7680" "2560 10240" "10240 2560" "2560 576"; do
    BENCH_MM_TYPES=f16 "$B/bench-mm" $sh 124 512 1024 | grep -v "^NVIDIA"
  done
  unset BENCH_MM_CFGS
  figures_ab 2 "2.9b-f16" "" RWKV_MM_F16_WIDE=26214400 RWKV_MM_F16_WIDE=19660800
} 2>&1 | tee "$OUT/s19a.txt"
