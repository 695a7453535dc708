#!/bin/bash
# bench/mm_h100.sh <build> - issue 6 matmul figures on the device machine: old vs new
# decode kernels and prefill tiles in one process per shape (BENCH_MM_CFGS), plus
# test_matmul. Logs to $OUT. Run from the repository root.
B=${1:-build-mm2}
MODE=${2:-sweep}
log=$OUT/bench.txt
{
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
if [ "$MODE" != benchonly ]; then
  s=$(date +%s); timeout 120 $B/test_matmul > $OUT/test_matmul.txt 2>&1; echo "test_matmul rc=$? $(tail -1 $OUT/test_matmul.txt) $(( $(date +%s) - s ))s"
fi
if [ "$MODE" = sweep ]; then
  DEC="old:RWKV_MM_DEC=0;new:RWKV_MM_DEC=1;n11:RWKV_MM_NR=1,RWKV_MM_UNR=1;n21:RWKV_MM_NR=2,RWKV_MM_UNR=1;n41:RWKV_MM_NR=4,RWKV_MM_UNR=1;n12:RWKV_MM_NR=1,RWKV_MM_UNR=2;n14:RWKV_MM_NR=1,RWKV_MM_UNR=4;w256:RWKV_MM_WG=256,RWKV_MM_NR=1,RWKV_MM_UNR=2"
  PRE="old:RWKV_MM_RQ=1,RWKV_MM_NQ=1;r22:RWKV_MM_RQ=2,RWKV_MM_NQ=2;r22b32:RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_BK=32;r22t128:RWKV_MM_RQ=2,RWKV_MM_NQ=2,RWKV_MM_BT=128;r21:RWKV_MM_RQ=2,RWKV_MM_NQ=1;r12:RWKV_MM_RQ=1,RWKV_MM_NQ=2"
else
  DEC="old:RWKV_MM_DEC=0,RWKV_MM_NR=2,RWKV_MM_UNR=2;new:"
  PRE="old:RWKV_MM_RQ=1,RWKV_MM_NQ=1,RWKV_MM_BM=128,RWKV_MM_BT=64,RWKV_MM_BK=16;new:"
fi
for s in "2560 2560" "2560 10240" "10240 2560"; do
  BENCH_MM_TYPES=f16,q4_K,q6_K BENCH_MM_CFGS="$DEC" timeout 100 $B/bench-mm $s 1
done
BENCH_MM_TYPES=f16,q4_K,q6_K BENCH_MM_CFGS="$DEC" timeout 100 $B/bench-mm 2560 65536 1
[ "$MODE" = sweep ] || for s in "2560 2560" "2560 5120" "2048 2048"; do BENCH_MM_TYPES=q6_K timeout 60 $B/bench-mm $s 1; done
for s in "2560 10240" "2560 2560"; do
  BENCH_MM_TYPES=f16,q4_K BENCH_MM_CFGS="$PRE" timeout 100 $B/bench-mm $s 512
done
} > $log 2>&1
cat $log
