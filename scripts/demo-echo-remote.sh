#!/usr/bin/env bash
# The cross-process echo: a throwaway actrd on 127.0.0.1 (free port, temporary data dir), an
# echo service in one process (registered with AIS, listening for direct WebSocket peers, its
# mailbox in a SQLite file), and a client in another that discovers it through signaling and
# calls it over direct WebSocket. Used by `make run` and by the test suite.
# Usage: scripts/demo-echo-remote.sh BUILD_DIR [MESSAGE]
set -euo pipefail
build=${1:-build}
message=${2:-Hello from another process}
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

"$build"/bin/actrd --data-dir "$data/actrd" --listen 127.0.0.1:0 >"$data/actrd.out" 2>"$data/actrd.log" &
pids+=($!)
port=""
for _ in $(seq 1 100); do   # at most 10 s for actrd to bind
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$data/actrd.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$data/actrd.log" >&2; echo "actrd did not start" >&2; exit 1; }
echo "actrd          serving on 127.0.0.1:$port (realm $realm)"

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
advertised_host = "127.0.0.1"
[storage]
mailbox_path = "service-mailbox.db"
[[acl.rules]]
permission = "allow"
type = "acme:EchoClient:1.0.0"
TOML
echo "$common" >"$data/client.toml"

"$build"/bin/echo-service "$data/service.toml" >"$data/service.out" 2>"$data/service.log" &
pids+=($!)
for _ in $(seq 1 100); do   # at most 10 s to register and connect
  grep -q "^echo-service ready" "$data/service.out" && break
  kill -0 "${pids[1]}" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "^echo-service ready" "$data/service.out"; then
  cat "$data/service.log" >&2; echo "echo-service did not start" >&2; exit 1
fi
sed 's/^/                /' "$data/service.out" | sed 's/^ *echo-service/echo-service  /'
if ! "$build"/bin/echo-client "$data/client.toml" "$message" 2>"$data/client.log"; then
  cat "$data/client.log" "$data/service.log" >&2
  exit 1
fi
