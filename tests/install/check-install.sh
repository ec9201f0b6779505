#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs a consumer three ways:
# find_package(actr) with the shared and with the static library, and pkg-config.
# Usage: check-install.sh BUILD_DIR SOURCE_DIR [EXTRA_C_FLAGS]
set -euo pipefail
build=$1
src=$2
flags=${3:-}
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/actr/error.h include/actr/common.h lib/pkgconfig/actr.pc \
         lib/cmake/actr/actrConfig.cmake lib/libactr.a bin/actr bin/actrd; do
  [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
ls "$prefix"/lib/libactr.so* >/dev/null

cmake -S "$src/tests/install/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/cmake" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" "$work/cmake/consumer_shared"
"$work/cmake/consumer_static"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc $flags -o "$work/consumer_pc" "$src/tests/install/consumer/main.c" $(pkg-config --cflags --libs actr)
LD_LIBRARY_PATH="$prefix/lib" "$work/consumer_pc"
echo "install check: find_package (shared, static) and pkg-config consumers ran"
