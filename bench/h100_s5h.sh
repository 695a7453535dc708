#!/bin/bash
# bench/h100_s5h.sh - session 5: is decode bound by the CPU's queueing? bench-profile's
# queue / done times per token, default vs NVIDIA's threaded GL (__GL_THREADED_OPTIMIZATIONS=1)
# and RWKV_SYNC=none, interleaved; then rwkv-bench's greedy decode with threaded GL.
set -u
. bench/h100_env.sh
{
  gen_models 0.1b-f16 2.9b-q4_k_m
  for m in 2.9b-q4_k_m 0.1b-f16; do
    BENCH_OUTPUT=none "$B/bench-profile" /tmp/m-$m.gguf 1 300 > /dev/null 2>&1 # warm-up
    for r in 1 2; do
      for v in default threaded syncnone; do
        env=""
        [ $v = threaded ] && env="__GL_THREADED_OPTIMIZATIONS=1"
        [ $v = syncnone ] && env="RWKV_SYNC=none"
        echo "-- $m $v: $(env $env BENCH_OUTPUT=none "$B/bench-profile" /tmp/m-$m.gguf 1 300 2>&1 | tail -2 | tr '\n' ' ')"
      done
    done
  done
  for v in default threaded; do
    env=""
    [ $v = threaded ] && env="__GL_THREADED_OPTIMIZATIONS=1"
    echo "-- rwkv-bench Q4_K_M $v"
    env $env "$B/rwkv-bench" /tmp/m-2.9b-q4_k_m.gguf --quiet --repeat 2 2>&1 | grep -E 'tg128|pp512 \(|doc state|fields'
  done
} 2>&1 | tee "$OUT/s5h.txt"
