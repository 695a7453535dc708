#!/bin/sh
# Install the build into a temporary prefix, build tests/install/embed.c
# against the installed files through pkg-config only, and run it.
set -eu
build=$1
src=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name rwkv-lua.pc)
export PKG_CONFIG_PATH=$(dirname "$pc")
# the .pc file was configured for the build's prefix: point it at the temporary one
sed -i "s|^prefix=.*|prefix=$prefix|" "$pc"
cc -std=c11 -Wall -Wextra -Werror -o "$prefix/embed" "$src/tests/install/embed.c" \
  $(pkg-config --cflags --libs rwkv-lua)
model=$(find "$prefix" -name tiny-rwkv7-834K-F32.gguf)
test -x "$prefix/bin/rwkv-lua"
test -f "$prefix/share/rwkv-lua/lua/rwkv/cache.lua" || test -d "$prefix/share/rwkv-lua/lua"
"$prefix/embed" "$model"
# the installed interpreter finds its Lua modules without the source tree
"$prefix/bin/rwkv-lua" -e 'assert(package.path:find("share/rwkv-lua/lua", 1, true), package.path); print("installed rwkv-lua ok")'
