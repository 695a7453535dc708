#!/bin/bash
# bench/h100_s15h.sh - session 15 (RWKV_EGL_NO_CONFIG needs 59f5c3f): where a process's first EGL context goes on the H100
# (rwkv-loadtime "context:": client extensions, devices, eglInitialize, eglChooseConfig,
# eglCreateContext, eglMakeCurrent) and whether skipping the config (RWKV_EGL_NO_CONFIG=1,
# EGL_KHR_no_config_context) pays: first loads of the 0.1B in fresh processes, eight rounds.
set -u
. bench/h100_env.sh
{
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  gen_models 0.1b-f16
  warm_loads 0.1b-f16
  for ((r = 0; r < 8; r++)); do
    for v in "" RWKV_EGL_NO_CONFIG=1; do first_load 0.1b-f16 "$v" 2; done
  done
} 2>&1 | tee "$OUT/s15h.txt"
