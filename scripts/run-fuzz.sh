#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a fixed time each, starting from its seed corpus.
# Usage: scripts/run-fuzz.sh BUILD_DIR SECONDS_PER_TARGET
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for target in "$build"/bin/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  work=$(mktemp -d)
  seeds="$root/fuzz/corpus/$name"
  echo "== $name for ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -max_len=65536 -artifact_prefix="$work/" "$work" \
       ${seeds:+$( [ -d "$seeds" ] && echo "$seeds")}; then
    echo "!! $name found a crash; artifacts in $work"
    status=1
  else
    rm -rf "$work"
  fi
done
exit $status
