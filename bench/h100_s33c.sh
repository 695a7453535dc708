#!/bin/bash
# bench/h100_s33c.sh - session 33: decode's dispatch counters, second form (RWKV_DSYNC bits as
# in h100_s33b.sh): the counting kernels as programs of their own (the default kernels
# untouched), no weight preload before the wait, the FFN's mix in a slot of its own (fb7cb4a
# without its coherent stores and the WKV edge, off by default then). build-h100b is 14e4fd7.
. bench/h100_env.sh
gen_models 0.1b-f16 2.9b-q4_k_m 2.9b-f16
echo "== tests / fingerprints default"; checks_with "" 0.1b-f16 2.9b-q4_k_m 2.9b-f16
echo "== tests / fingerprints RWKV_DSYNC=7 RWKV_DSYNC_CHECK=1"; checks_with "RWKV_DSYNC=7 RWKV_DSYNC_CHECK=1" 0.1b-f16 2.9b-q4_k_m 2.9b-f16
decode_sweep_vs build-h100b 2 "0.1b-f16 2.9b-q4_k_m 2.9b-f16" "" RWKV_DSYNC=1 RWKV_DSYNC=2 RWKV_DSYNC=4 RWKV_DSYNC=3 RWKV_DSYNC=7
