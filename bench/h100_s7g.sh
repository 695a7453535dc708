#!/bin/bash
# bench/h100_s7g.sh - session 7: the NVIDIA intermediate assembly of the tiled prefill kernel
# (f16, q4_K; 2560 x 10240, T = 512) and of the decode kernels, one text file per program
# (asm.tgz), to see how the inner loop is issued (MAD vs MUL + ADD, shared loads).
set -u
. bench/h100_env.sh
{
  mkdir -p /tmp/cache /tmp/asm
  RWKV_SHADER_CACHE=/tmp/cache BENCH_MM_TYPES=f16,q4_K "$B/bench-mm" 2560 10240 1 512
  for f in /tmp/cache/*.bin; do
    python3 - "$f" /tmp/asm/"$(basename "$f" .bin)".txt <<'PY' 2>/dev/null || strings "$f" > /tmp/asm/"$(basename "$f" .bin)".txt
import sys
b = open(sys.argv[1], 'rb').read()
i = b.find(b'!!NVcp5.0'); j = b.find(b'\0', i)
open(sys.argv[2], 'wb').write(b[i:j] if i >= 0 else b'')
PY
  done
  ls -la /tmp/asm
  tar czf "$OUT/asm.tgz" -C /tmp asm
} 2>&1 | tee "$OUT/s7g.txt"
