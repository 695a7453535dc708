#!/bin/sh
# Install what is missing (Debian 12), build rwkv-lua, and run the main job:
# field extraction on the example email with the tiny model shipped in models/.
# Usage: sudo scripts/setup.sh   (or as root)
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
install_deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
./build/rwkv-lua --info
exec ./build/rwkv-lua scripts/extract.lua
