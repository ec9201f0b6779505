#!/bin/sh
# CTest entry for the harness self-test: setup.sh, then selftest.js with the given arguments
# (e.g. "wrtc werift --media"). 77 (skip) when the npm packages cannot be installed.
set -u
dir="$(dirname "$0")"
sh "$dir/setup.sh" || exit $?
exec node "$dir/selftest.js" "$@"
