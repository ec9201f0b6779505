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
py=/usr/bin/python3
data=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$data"
}
trap cleanup EXIT

init=$("$build"/bin/actrd init --data-dir "$data/actrd" --json)
realm=$(echo "$init" | $py -c 'import json,sys; print(json.load(sys.stdin)["realm_id"])')
secret=$(echo "$init" | $py -c 'import json,sys; print(json.load(sys.stdin)["realm_secret"])')
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

"$build"/bin/actrd --data-dir "$data/actrd" --listen 127.0.0.1:0 >"$data/actrd.out" 2>"$data/actrd.log" &
pids+=($!)
port=""
for _ in $(seq 1 100); do   # at most 10 s for actrd to bind
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$data/actrd.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$data/actrd.log" >&2; echo "actrd did not start" >&2; exit 1; }
echo "actrd          serving on 127.0.0.1:$port (realm $realm; $how)"

ws_port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
common="edition = 1
[signaling]
url = \"ws://127.0.0.1:$port/signaling/ws\"
[ais_endpoint]
url = \"http://127.0.0.1:$port/ais\"
[deployment]
realm_id = $realm
realm_secret = \"$secret\""
cat >"$data/service.toml" <<TOML
$common
[websocket]
listen_port = $ws_port
[storage]
mailbox_path = "service-mailbox.db"
[[acl.rules]]
permission = "allow"
type = "acme:EchoClient:1.0.0"
[[trust]]
kind = "static"
pubkey_file = "$guests/public-key.json"
[hyper]
data_dir = "$data/hyper"
TOML
cat >"$data/client.toml" <<TOML
$common
[[acl.rules]]
permission = "allow"
type = "acme:EchoService:1.0.0"
TOML

"$build"/bin/actr run -c "$data/service.toml" "${run_key[@]}" "$pkg" >"$data/service.out" 2>"$data/service.log" &
pids+=($!)
for _ in $(seq 1 150); do   # at most 15 s to verify, attach, register and connect
  grep -q "ActrNode started" "$data/service.log" && break
  kill -0 "${pids[1]}" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "ActrNode started" "$data/service.log"; then
  cat "$data/service.log" >&2; echo "actr run did not start" >&2; exit 1
fi
kind=$(sed -n 's/^kind *= *"\(.*\)"/\1/p' "$data/manifest.toml")
echo "actr run       serving $(basename "$pkg") ($kind) as acme:EchoService:1.0.0"
if ! "$build"/bin/echo-client "$data/client.toml" "$message" 2>"$data/client.log"; then
  cat "$data/client.log" "$data/service.log" >&2
  exit 1
fi
