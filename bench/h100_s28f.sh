#!/bin/bash
# Session 28, seventh call: what a new buffer's first use costs (bench-upload
# BENCH_UPLOAD_FIRSTUSE=1: 1 GiB in pieces of 1 .. 1024 MiB, glBufferData or glBufferStorageEXT,
# a 256-byte copy into each, twice).
. bench/h100_env.sh
BENCH_UPLOAD_FIRSTUSE=1 "$B/bench-upload" "$B/rwkv-bench"
