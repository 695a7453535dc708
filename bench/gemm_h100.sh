#!/bin/bash
# bench/gemm_h100.sh <build> [sweep|defaults] - prefill (tiled) matmul figures on the device
# machine for the 2.9B shapes at T = 256 / 512 / 1024: the new defaults against variants of
# the tiled kernel (RWKV_MM_* knobs, matmul.c pick_cfg) in one process per shape
# (BENCH_MM_CFGS), plus test_matmul first. Logs to $OUT/gemm.txt. Run from the repo root.
# bench-mm lines end with "k1 <rows>x<tokens> bk<BK> S<K pieces> <config>".
B=${1:-build-gemm}
MODE=${2:-sweep}
log=$OUT/gemm.txt
{
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
s=$(date +%s); timeout 180 $B/test_matmul > $OUT/test_matmul.txt 2>&1
echo "test_matmul rc=$? $(tail -1 $OUT/test_matmul.txt) $(( $(date +%s) - s ))s"
if [ "$MODE" = sweep ]; then
  CFGS="new:;r1:RWKV_MM_RQ=1,RWKV_MM_NQ=2,RWKV_MM_BM=128,RWKV_MM_BT=64,RWKV_MM_DB=0,RWKV_MM_PF=0,RWKV_MM_SPLITK=1"
  CFGS="$CFGS;nosplit:RWKV_MM_SPLITK=1;pf0:RWKV_MM_PF=0;db0:RWKV_MM_DB=0;bk32:RWKV_MM_BK=32"
  CFGS="$CFGS;bk8:RWKV_MM_BK=8;bt64:RWKV_MM_BT=64;bm64:RWKV_MM_BM=64;bm128:RWKV_MM_BM=128"
  CFGS="$CFGS;r21:RWKV_MM_RQ=2,RWKV_MM_NQ=1;r12:RWKV_MM_RQ=1,RWKV_MM_NQ=2;smin528:RWKV_MM_SPLIT_MIN=528"
else
  CFGS="new:"
fi
for s in "2560 10240" "10240 2560" "2560 2560" "2560 512"; do
  BENCH_MM_TYPES=f16,q4_K BENCH_MM_CFGS="$CFGS" timeout 280 $B/bench-mm $s 256 512 1024
done
[ "$MODE" = sweep ] || BENCH_MM_TYPES=f32,bf16,q8_0,q4_0,q5_1,q2_K,q3_K,q5_K,q6_K timeout 200 $B/bench-mm 2560 10240 512
} > $log 2>&1
cat $log
