#!/usr/bin/env bash
# The main job of README's first command: the foundation, signed packages, a local actrd with two
# actors meeting through it, and two actors talking in one process. Issue 5 grows the actrd part
# into an echo service and a client calling each other across processes.
set -euo pipefail
build=${1:-build}
echo "== Hyper $("$build"/bin/actr version)"
echo "== foundation: identities, keys, buffers, logging"
"$build"/bin/foundation-demo

echo "== packages: keygen -> pack -> verify -> inspect (actr pkg)"
(
    actr=$(cd "$build"/bin && pwd)/actr
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    printf 'manufacturer = "acme"\nname = "EchoService"\nversion = "1.0.0"\n\n[binary]\ntarget = "wasm32-wasip2"\n' >manifest.toml
    printf '\0asm\1\0\0\0 a small stand-in for the workload binary\n' >actor.wasm
    printf 'syntax = "proto3";\npackage echo;\n' >echo.proto
    "$actr" pkg keygen --output keys/dev-key.json --note "run-demo key"
    "$actr" pkg pack --manifest manifest.toml --binary actor.wasm --proto echo.proto \
        --key keys/dev-key.json --output echo.actr
    "$actr" pkg verify echo.actr --pubkey keys/public-key.json
    "$actr" pkg verify echo.actr --pubkey keys/public-key.json --json
    "$actr" pkg inspect echo.actr --pubkey keys/public-key.json
    # One flipped byte in the binary: verification must fail and say where.
    /usr/bin/python3 - <<'PY'
import zipfile
with zipfile.ZipFile("echo.actr") as src, zipfile.ZipFile("tampered.actr", "w") as dst:
    for item in src.infolist():
        data = src.read(item)
        if item.filename == "bin/actor.wasm":
            data = bytes([data[0] ^ 1]) + data[1:]
        dst.writestr(item, data)
PY
    if "$actr" pkg verify tampered.actr --pubkey keys/public-key.json; then
        echo "tampered package verified: this is a bug" >&2
        exit 1
    fi
    echo "(tampered copy refused, as it must be)"
)

echo "== actrd: a local server, two actors register, discover each other and exchange relays"
scripts/demo-actrd-pair.sh "$build"

echo "== across processes: an echo service and a client, found through signaling, over direct WebSocket"
ACTR_LOG=warn scripts/demo-echo-remote.sh "$build" "Hello from another process"

echo "== across processes over WebRTC: the same pair, the service without any WebSocket listener"
ACTR_LOG=warn scripts/demo-echo-webrtc.sh "$build" "Hello over a data channel"

echo "== signed packages served by \`actr run\`: the same echo as a native library and as WebAssembly"
ACTR_LOG=warn scripts/demo-package-run.sh "$build" "$build/guests/echo-native.actr" "Hello, native package"
ACTR_LOG=warn scripts/demo-package-run.sh "$build" "$build/guests/echo-wasm.actr" "Hello, WebAssembly package"

echo "== in-process: two nodes of one hyper, a call handed over without serialization"
ACTR_LOG=warn "$build"/bin/echo-inproc "Hello from Hyper"
