#!/bin/bash
# bench/h100_s8j.sh - session 8, last call: the GPU session (tests, rwkv-bench on every
# model) at the session's last engine commit, then decode with the WKV kernel's LoRA-2 rows
# loaded at its start (RWKV_WKV_LPRE=1) and with the LoRA second stages as matmuls
# (RWKV_WKV_LORA_FUSE=0), interleaved against the defaults.
set -u
. bench/h100_env.sh
TITLE="H200 s8 final 2 (${REV:-?})" CHANGE="session 8: branch-free K-quant scale picks; K-quant big matvecs over 64 lanes; ln_mix loads a channel's inputs before the statistics; WKV v LoRA dot without a branch" bash bench/h100_session.sh > /dev/null 2>&1
{
  grep -E "rc=" "$OUT/session.txt"
  decode_sweep 2 "2.9b-q4_k_m 0.1b-f16 2.9b-f16" "" "RWKV_WKV_LPRE=1" "RWKV_WKV_LORA_FUSE=0"
} 2>&1 | tee "$OUT/s8j.txt"
