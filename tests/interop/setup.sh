#!/bin/sh
# Installs the interop peers' npm packages (@roamhq/wrtc, werift) into tests/interop/node_modules
# exactly as package-lock.json says (npm ci). Idempotent and quiet: does nothing when the
# installed tree is newer than the lock file and both packages load. Safe from CI and from
# parallel CTest runs (a lock serialises installs). Exit 0 = ready, 77 = npm/node missing or the
# install failed (callers treat 77 as "skip"), with the reason on stderr.
set -eu
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "interop setup: node/npm not installed" >&2
    exit 77
fi
loads() {
    node -e "require('@roamhq/wrtc'); require('werift')" >/dev/null 2>&1
}
exec 9>.setup.lock
flock 9
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] && loads; then
    exit 0
fi
if ! npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1; then
    echo "interop setup: npm ci failed (see tests/interop/npm-ci.log)" >&2
    exit 77
fi
if ! loads; then
    echo "interop setup: @roamhq/wrtc or werift does not load (prebuilt binary missing?)" >&2
    exit 77
fi
rm -f npm-ci.log
