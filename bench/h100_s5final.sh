#!/bin/bash
# bench/h100_s5final.sh - session 5's last GPU call: the session run (bench/h100_session.sh)
# on the final build, then the GPU's clocks read (not set) while it decodes and prefills.
set -u
TITLE=${TITLE:-"s5 final"} CHANGE=${CHANGE:--} bash bench/h100_session.sh > /dev/null 2>&1
. bench/h100_env.sh
{
  nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv
  for what in "1 4000" "512 40"; do
    echo "== clocks while bench-profile 2.9b Q4_K_M $what runs"
    BENCH_OUTPUT=none "$B/bench-profile" /tmp/m-2.9b-q4_k_m.gguf $what > "$OUT/clk.txt" 2>&1 &
    sleep 3
    timeout 3 nvidia-smi --query-gpu=clocks.sm,clocks.mem,power.draw,pstate,utilization.gpu --format=csv,noheader -lms 250
    wait
    tail -1 "$OUT/clk.txt"
  done
} 2>&1 | tee "$OUT/s5final.txt"
