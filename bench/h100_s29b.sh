#!/bin/bash
# bench/h100_s29b.sh - session 29: the helper-thread first use on the load's own copy path
# (bench-upload BENCH_UPLOAD_HELPER=1: glBufferSubData and the pinned ring, 1 GiB of random
# bytes in pieces of 4 / 16 / 64 MiB).
. bench/h100_env.sh
head -c $((1024 << 20)) /dev/urandom > /tmp/rand.bin
for p in 4 16 64; do BENCH_UPLOAD_HELPER=1 "$B/bench-upload" /tmp/rand.bin 1024 $p; done
