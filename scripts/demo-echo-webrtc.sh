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
export ACTR_WEBRTC_MODE=only ACTR_WEBRTC_LOCAL_ADDRESSES=127.0.0.1

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

cat >"$data/client.toml" <<TOML
edition = 1
[signaling]
url = "ws://127.0.0.1:$port/signaling/ws"
[ais_endpoint]
url = "http://127.0.0.1:$port/ais"
[deployment]
realm_id = $realm
realm_secret = "$secret"
TOML
# No [websocket] section (no listener). Relays need the target's ACL to admit the sender, and
# both sides relay (offer one way, answer and candidates the other): each admits the other.
cp "$data/client.toml" "$data/service.toml"
printf '[[acl.rules]]\npermission = "allow"\ntype = "acme:EchoService:1.0.0"\n' >>"$data/client.toml"
printf '[[acl.rules]]\npermission = "allow"\ntype = "acme:EchoClient:1.0.0"\n' >>"$data/service.toml"

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
  [ -n "${DEMO_KEEP:-}" ] && cp -r "$data" "$DEMO_KEEP"
  exit 1
fi
echo "(the service has no WebSocket listener: the call went over a WebRTC data channel)"
