#!/usr/bin/env bash
# The main job of README's first command. For now it shows the foundation at work; later issues
# grow it into a local actrd with actors talking.
set -euo pipefail
build=${1:-build}
echo "== Hyper $("$build"/bin/actr version)"
echo "== foundation: identities, keys, buffers, logging"
"$build"/bin/foundation-demo
