#!/usr/bin/env bash
# A signed package served by `actr run`, called from another process: a throwaway actrd on
# 127.0.0.1 knows the manufacturer's key and the published package (AIS Path 1), `actr run`
# verifies the package, picks the engine from its target (native dynclib or WebAssembly),
# registers in PACKAGE mode and serves; echo-client discovers it and calls it.
# With UNPUBLISHED=1 the package is not published: `actr run -k` signs a fresh manufacturer proof
# at registration instead (AIS Path 2). Used by `make run` and by the tests.
# Usage: [UNPUBLISHED=1] scripts/demo-package-run.sh BUILD_DIR PACKAGE.actr [MESSAGE]
set -euo pipefail
build=${1:-build}
pkg=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
message=${3:-Hello, packaged actor}
guests=$(dirname "$pkg")
data=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$data"
}
trap cleanup EXIT

. "$(dirname "$0")/lib-actrd.sh"

init_actrd "$build" "$data"
# The manufacturer's key and the published manifest: what a registry operator does once.
(cd "$data" && unzip -q -o "$pkg" manifest.toml manifest.sig)
"$build"/bin/actrd mfr add --data-dir "$data/actrd" --manufacturer acme \
  --pubkey "$guests/public-key.json" >/dev/null
run_key=()
if [ "${UNPUBLISHED:-0}" = 1 ]; then
  run_key=(-k "$guests/dev-key.json")
  how="acme's key known, package unpublished: proof at registration"
else
  "$build"/bin/actrd mfr publish --data-dir "$data/actrd" --manifest "$data/manifest.toml" \
    --signature "$data/manifest.sig" >/dev/null
  how="acme's key and package published"
fi

serve_actrd "$build" "$data"
pids+=("$actrd_pid")
echo "actrd          serving on 127.0.0.1:$port (realm $realm; $how)"

node_toml "$data/service.toml" acme:EchoClient:1.0.0
cat >>"$data/service.toml" <<TOML
[websocket]
listen_port = $(free_port)
[storage]
mailbox_path = "service-mailbox.db"
[[trust]]
kind = "static"
pubkey_file = "$guests/public-key.json"
[hyper]
data_dir = "$data/hyper"
TOML
node_toml "$data/client.toml" acme:EchoService:1.0.0

"$build"/bin/actr run -c "$data/service.toml" "${run_key[@]}" "$pkg" >"$data/service.out" 2>"$data/service.log" &
pids+=($!)
if ! wait_for "$data/service.log" "ActrNode started" "${pids[1]}" 15; then
  cat "$data/service.log" >&2; echo "actr run did not start" >&2; exit 1
fi
kind=$(sed -n 's/^kind *= *"\(.*\)"/\1/p' "$data/manifest.toml")
echo "actr run       serving $(basename "$pkg") ($kind) as acme:EchoService:1.0.0"
if ! "$build"/bin/echo-client "$data/client.toml" "$message" 2>"$data/client.log"; then
  cat "$data/client.log" "$data/service.log" >&2
  exit 1
fi
