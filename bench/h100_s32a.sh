#!/bin/bash
# bench/h100_s32a.sh - session 32's first call, at 5a12bcc: is a small model's decode the CPU's
# (bench-profile's queue time against the GPU's, NVIDIA's threaded GL, the glFlush interval),
# the 0.1B's head shape (768 x 65536 f16 at T = 1) under other rows-kernel settings, and how
# many q4_K / f16 decode workgroups run at once (BENCH_MM_OCC).
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m
echo "== decode: queue (CPU) and done (GPU) a token, bench-profile 1 300"
for r in 1 2; do
  for m in 0.1b-f16 2.9b-q4_k_m; do
    for v in "" "__GL_THREADED_OPTIMIZATIONS=1" "RWKV_SYNC=none" "RWKV_SYNC=flush:8"; do
      # shellcheck disable=SC2086 # v holds an assignment
      echo "-- $m ${v:-default}: $(env $v BENCH_OUTPUT=none "$B/bench-profile" /tmp/m-$m.gguf 1 300 2>&1 | tail -2 | tr '\n' ' ')"
    done
  done
done
echo "== rwkv-bench greedy tg128, 0.1B, default / threaded GL"
for r in 1 2; do
  for v in "" "__GL_THREADED_OPTIMIZATIONS=1"; do
    # shellcheck disable=SC2086
    echo "-- ${v:-default}: $(env $v "$B/rwkv-bench" /tmp/m-0.1b-f16.gguf --quiet --repeat 3 --prefill 64 --decode 128 --doc 64 2>&1 | grep "tg128 (rwkv_gen" | sed 's/.*| tg128/tg128/')"
  done
done
echo "== head shape 768 x 65536 f16, T = 1, from memory"
BENCH_MM_TYPES=f16 BENCH_MM_COPIES=3 BENCH_MM_CFGS="warm:;def:;pre:RWKV_MM_PRE=1;nr2:RWKV_MM_NR=2;nr4:RWKV_MM_NR=4;l16:RWKV_MM_LANES=16;l64:RWKV_MM_LANES=64;unr2:RWKV_MM_UNR=2;unr3:RWKV_MM_UNR=3;wg256:RWKV_MM_WG=256;def2:" \
  "$B/bench-mm" 768 65536 1 | grep -v "^NVIDIA"
echo "== 0.1B shapes, T = 1, from memory"
for s in "768 2304" "768 3072" "3072 768"; do
  BENCH_MM_TYPES=f16 BENCH_MM_COPIES=40 BENCH_MM_CFGS="warm:;def:;pre:RWKV_MM_PRE=1;nr2:RWKV_MM_NR=2;l16:RWKV_MM_LANES=16;l64:RWKV_MM_LANES=64;def2:" \
    "$B/bench-mm" $s 1 | grep -v "^NVIDIA"
done
echo "== occupancy of decode workgroups (BENCH_MM_OCC)"
BENCH_MM_OCC=1 BENCH_MM_TYPES=q4_K,q6_K,f16 BENCH_MM_COPIES=10 BENCH_MM_CFGS="warm:;def:" "$B/bench-mm" 2560 10240 1 | grep -v "^NVIDIA"
BENCH_MM_OCC=1 BENCH_MM_TYPES=q4_K,q6_K,f16 BENCH_MM_COPIES=10 BENCH_MM_CFGS="warm:;def:" "$B/bench-mm" 10240 2560 1 | grep -v "^NVIDIA"
