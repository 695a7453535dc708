#!/bin/sh
# Build and run the whole test suite: the normal build, then the same suite
# built with AddressSanitizer + UndefinedBehaviorSanitizer (leak checks on).
# Usage: sudo scripts/test.sh   (or as root; installs missing packages first)
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
install_deps
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
if [ "${RWKV_SKIP_ASAN:-0}" != 1 ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRWKV_SANITIZE=ON
  cmake --build build-asan -j"$jobs"
  # Mesa's llvmpipe keeps some allocations until exit: suppress leaks in Mesa and
  # LLVM only (tests/lsan.supp); ours are still reported.
  LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0" \
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE no_asan
fi
