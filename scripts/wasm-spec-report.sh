#!/usr/bin/env bash
# Runs every non-SIMD WebAssembly spec file through wasm-spec-run and prints the per-file pass
# counts as a Markdown table (the table of docs/WASM.md).
#
#   scripts/wasm-spec-report.sh [BUILD_DIR]                  print the table
#   scripts/wasm-spec-report.sh [BUILD_DIR] --update FILE    replace the table in FILE between
#                                                            <!-- wasm-spec-table:begin --> and
#                                                            <!-- wasm-spec-table:end -->
# BUILD_DIR defaults to build; it must contain bin/wasm-spec-run. The .wast files are converted
# with wast2json into a temporary folder (the build tree's copies may be stale). Set
# WASM_SPEC_DIR to use another testsuite folder, WASM_SPEC_SIMD=1 to include simd_*.wast.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=build
update=""
while [ $# -gt 0 ]; do
  case "$1" in
    --update) update=${2:?--update needs a file}; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) build=$1; shift ;;
  esac
done
runner="$build/bin/wasm-spec-run"
[ -x "$runner" ] || { echo "no $runner: build the wasm-spec-run target first" >&2; exit 2; }
spec=${WASM_SPEC_DIR:-$here/../shared/testdata/wasm-spec}
[ -d "$spec" ] || { echo "no spec testsuite at $spec" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
work="$tmp/json" # conversions; kept apart from the table (a spec file is named table.wast)
mkdir -p "$work"

table="$tmp/table.md"
{
  echo "| file | passed | failed | skipped | |"
  echo "|---|---:|---:|---:|---|"
} > "$table"
tp=0; tf=0; ts=0; files=0; clean=0
for wast in "$spec"/*.wast; do
  name=$(basename "$wast" .wast)
  case "$name" in simd_*) [ "${WASM_SPEC_SIMD:-0}" = 1 ] || continue ;; esac
  files=$((files + 1))
  if ! wast2json "$wast" -o "$work/$name.json" 2> /dev/null; then
    echo "| $name | | | | wast2json failed |" >> "$table"
    continue
  fi
  # The runner's last line is "N passed, M failed, K skipped"; a crash leaves none.
  last=$(timeout 600 "$runner" "$work/$name.json" 2>&1 | tail -n 1 || true)
  if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    p=${BASH_REMATCH[1]}; f=${BASH_REMATCH[2]}; s=${BASH_REMATCH[3]}
    tp=$((tp + p)); tf=$((tf + f)); ts=$((ts + s))
    if [ "$f" = 0 ]; then status="pass"; clean=$((clean + 1)); else status="FAIL"; fi
    echo "| $name | $p | $f | $s | $status |" >> "$table"
  else
    echo "| $name | | | | runner crashed or timed out |" >> "$table"
  fi
  rm -f "$work"/*
done
echo "| **total** ($clean of $files files pass) | $tp | $tf | $ts | |" >> "$table"

if [ -z "$update" ]; then
  cat "$table"
  exit 0
fi
begin='<!-- wasm-spec-table:begin -->'
end='<!-- wasm-spec-table:end -->'
grep -qF "$begin" "$update" && grep -qF "$end" "$update" ||
  { echo "$update has no $begin ... $end markers" >&2; exit 2; }
awk -v b="$begin" -v e="$end" -v t="$table" '
  $0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
  $0 == e { skip = 0 }
  !skip { print }' "$update" > "$tmp/updated"
cp "$tmp/updated" "$update"
echo "updated $update ($clean of $files files pass)"
