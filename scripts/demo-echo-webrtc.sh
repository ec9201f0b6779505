#!/usr/bin/env bash
# The cross-process echo over WebRTC: a throwaway actrd on 127.0.0.1, an echo service with NO
# direct WebSocket listener (so nothing but a WebRTC data channel can reach it), and a client in
# another process that discovers it, gets its role from actrd, sets up the peer connection
# through signaling relays (offer/answer/trickled candidates, host candidates on 127.0.0.1) and
# calls it on the RPC_RELIABLE channel. Used by `make run` and by the test suite.
# Usage: scripts/demo-echo-webrtc.sh BUILD_DIR [MESSAGE]
set -euo pipefail
build=${1:-build}
message=${2:-Hello over WebRTC}
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
export ACTR_WEBRTC_MODE=only ACTR_WEBRTC_LOCAL_ADDRESSES=127.0.0.1

start_actrd "$build" "$data"
pids+=("$actrd_pid")
echo "actrd          serving on 127.0.0.1:$port (realm $realm)"
# No [websocket] section (no listener). actrd relays only what the target's ACL admits, and
# relays go both ways (offer one way, answer and candidates back): each admits the other.
node_toml "$data/service.toml" acme:EchoClient:1.0.0
node_toml "$data/client.toml" acme:EchoService:1.0.0

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
echo "(the service has no WebSocket listener: the call went over a WebRTC data channel)"
