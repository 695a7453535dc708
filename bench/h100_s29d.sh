#!/bin/bash
# bench/h100_s29d.sh - session 29: does the buffers' first use cost the same whatever the usage
# hint / storage flags, and when a compute dispatch, not a copy, touches them first?
# (bench-upload BENCH_UPLOAD_FIRSTUSE=2, 1 GiB in 64 buffers of 16 MiB per way, two rounds.)
. bench/h100_env.sh
head -c $((64 << 20)) /dev/urandom > /tmp/rand.bin
BENCH_UPLOAD_FIRSTUSE=2 "$B/bench-upload" /tmp/rand.bin 16 16
