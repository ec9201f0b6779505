#!/usr/bin/env bash
# Starts a throwaway actrd on 127.0.0.1, writes the two nodes' actr.toml (no WebSocket listener;
# each admits the other, as relays in both directions need) and runs rtc_nodes against it.
# With "prefer" the service also listens for direct WebSocket peers (the route rule's test).
# Usage: run.sh BUILD_DIR [prefer]
set -euo pipefail
build=$1
mode=${2:-}
data=$(mktemp -d)
actrd_pid=""
cleanup() {
  if [ -n "$actrd_pid" ] && kill -0 "$actrd_pid" 2>/dev/null; then kill -TERM "$actrd_pid"; fi
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
. "$(dirname "$0")/../../scripts/lib-actrd.sh"
export ACTR_WEBRTC_LOCAL_ADDRESSES=127.0.0.1
start_actrd "$build" "$data"
node_toml "$data/service.toml" acme:EchoClient:1.0.0
node_toml "$data/client.toml" acme:EchoService:1.0.0
if [ "$mode" = prefer ]; then
  ws_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf '[websocket]\nlisten_port = %s\nadvertised_host = "127.0.0.1"\n' "$ws_port" >>"$data/service.toml"
fi
# rtc_nodes kills actrd itself (the signaling outage).
"$build"/tests/rtc_nodes "$data/service.toml" "$data/client.toml" "$actrd_pid" $mode
