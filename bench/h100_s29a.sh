#!/bin/bash
# bench/h100_s29a.sh - session 29: can a second GL thread (shared context) pay the buffers'
# first use while the loading thread copies? bench-upload BENCH_UPLOAD_HELPER=1 on 1 GiB of
# random bytes in pieces of 4 / 16 / 64 MiB, and the 2.9B Q4_K_M load's parts on this machine.
. bench/h100_env.sh
head -c $((1024 << 20)) /dev/urandom > /tmp/rand.bin
for p in 16 4 64; do BENCH_UPLOAD_HELPER=1 "$B/bench-upload" /tmp/rand.bin 1024 $p; done
BENCH_UPLOAD_FIRSTUSE=1 "$B/bench-upload" /tmp/rand.bin 1024 64 | head -8
gen_models 2.9b-q4_k_m
repeat_loads 1 2.9b-q4_k_m 4 ""
