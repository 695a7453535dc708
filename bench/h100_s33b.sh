#!/bin/bash
# bench/h100_s33b.sh - session 33: decode's dispatch counters (RWKV_DSYNC: a consumer waits on
# its producer's workgroup count instead of a barrier; bits 1 the attention layer norm ->
# r / k / v + LoRA-1, 2 the FFN layer norm -> FFN key, 4 FFN key -> FFN value). build-h100
# had the first form (never committed: every decode program counting, its first weight units
# loaded before the wait; RESULTS.md "Session 33"), off by default; build-h100b is 14e4fd7.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
echo "== tests / fingerprints default"; checks_with "" 0.1b-f16 2.9b-q4_k_m 2.9b-f16
echo "== tests / fingerprints RWKV_DSYNC=7 RWKV_DSYNC_CHECK=1"; checks_with "RWKV_DSYNC=7 RWKV_DSYNC_CHECK=1" 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep_vs build-h100b 2 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" "" RWKV_DSYNC=1 RWKV_DSYNC=2 RWKV_DSYNC=4 RWKV_DSYNC=7
