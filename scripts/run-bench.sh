#!/usr/bin/env bash
# Runs every benchmark program in BUILD_DIR/bin (bench_*). Each prints its own ratio against a
# baseline measured in the same run; copy the figures into docs/BENCHMARKS.md with the command.
set -euo pipefail
build=${1:-build}
found=0
for b in "$build"/bin/bench_*; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b"
done
[ $found -eq 1 ] || echo "no benchmarks built yet"
