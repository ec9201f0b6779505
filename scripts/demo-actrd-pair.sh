#!/usr/bin/env bash
# Starts a throwaway actrd on 127.0.0.1 (free port, temporary data dir), runs the actrd-pair
# example against it (two actors register, meet through signaling, exchange an offer and an
# answer), then stops actrd. Used by `make run` and by the test suite.
# Usage: scripts/demo-actrd-pair.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
py=/usr/bin/python3
data=$(mktemp -d)
out=$data/actrd.out
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

init=$("$build"/bin/actrd init --data-dir "$data/actrd" --json)
realm=$(echo "$init" | $py -c 'import json,sys; print(json.load(sys.stdin)["realm_id"])')
secret=$(echo "$init" | $py -c 'import json,sys; print(json.load(sys.stdin)["realm_secret"])')

"$build"/bin/actrd --data-dir "$data/actrd" --listen 127.0.0.1:0 >"$out" 2>"$data/actrd.log" &
pid=$!
port=""
for _ in $(seq 1 100); do   # at most 10 s for actrd to bind
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$out")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/actrd.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "actrd did not start" >&2; exit 1; }
echo "actrd    serving on 127.0.0.1:$port (realm $realm)"

"$build"/bin/actrd-pair "http://127.0.0.1:$port/ais" "ws://127.0.0.1:$port/signaling/ws" \
  "$realm" "$secret"
