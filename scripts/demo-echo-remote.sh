#!/usr/bin/env bash
# The cross-process echo: a throwaway actrd on 127.0.0.1 (free port, temporary data dir), an
# echo service in one process (registered with AIS, listening for direct WebSocket peers, its
# mailbox in a SQLite file), and a client in another that discovers it through signaling and
# calls it over direct WebSocket. Used by `make run` and by the test suite.
# Usage: scripts/demo-echo-remote.sh BUILD_DIR [MESSAGE]
set -euo pipefail
build=${1:-build}
message=${2:-Hello from another process}
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

start_actrd "$build" "$data"
pids+=("$actrd_pid")
echo "actrd          serving on 127.0.0.1:$port (realm $realm)"

node_toml "$data/service.toml" acme:EchoClient:1.0.0
cat >>"$data/service.toml" <<TOML
[websocket]
listen_port = $(free_port)
advertised_host = "127.0.0.1"
[storage]
mailbox_path = "service-mailbox.db"
TOML
node_toml "$data/client.toml"

"$build"/bin/echo-service "$data/service.toml" >"$data/service.out" 2>"$data/service.log" &
pids+=($!)
if ! wait_for "$data/service.out" "^echo-service ready" "${pids[1]}" 10; then
  cat "$data/service.log" >&2; echo "echo-service did not start" >&2; exit 1
fi
sed 's/^/                /' "$data/service.out" | sed 's/^ *echo-service/echo-service  /'
if ! "$build"/bin/echo-client "$data/client.toml" "$message" 2>"$data/client.log"; then
  cat "$data/client.log" "$data/service.log" >&2
  exit 1
fi
