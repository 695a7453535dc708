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
  "$B/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 1 > /dev/null 2>&1
  for ((r = 0; r < 8; r++)); do
    for v in "" RWKV_EGL_NO_CONFIG=1; do
      echo "-- 0.1b-f16 first load ${v:-default}"
      env $v "$B/rwkv-loadtime" /tmp/m-0.1b-f16.gguf 2 2>&1 | grep -E "^load|context:"
    done
  done
} 2>&1 | tee "$OUT/s15h.txt"
