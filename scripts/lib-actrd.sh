# lib-actrd.sh - sourced by scripts and tests that need a throwaway actrd on 127.0.0.1:
#   init_actrd BUILD_DIR DATA_DIR    `actrd init` in DATA_DIR/actrd: sets realm, secret
#   serve_actrd BUILD_DIR DATA_DIR   starts it on a free port: sets actrd_pid, port (at most 10 s
#                                    to bind)
#   start_actrd BUILD_DIR DATA_DIR   both
#   node_toml FILE [ALLOWED_TYPE]    writes an actr.toml for that actrd (no [websocket] section),
#                                    with an allow rule for ALLOWED_TYPE when given
#   free_port                        prints a free TCP port of 127.0.0.1
#   wait_for FILE PATTERN PID SECS   waits until FILE has a line matching PATTERN, PID exits or
#                                    SECS pass; succeeds only in the first case
# The caller kills $actrd_pid and removes DATA_DIR.
init_actrd() {
  local build=$1 data=$2 py=/usr/bin/python3 init
  init=$("$build"/bin/actrd init --data-dir "$data/actrd" --json)
  realm=$(echo "$init" | $py -c 'import json,sys; print(json.load(sys.stdin)["realm_id"])')
  secret=$(echo "$init" | $py -c 'import json,sys; print(json.load(sys.stdin)["realm_secret"])')
}

serve_actrd() {
  local build=$1 data=$2
  "$build"/bin/actrd --data-dir "$data/actrd" --listen 127.0.0.1:0 >"$data/actrd.out" \
    2>"$data/actrd.log" &
  actrd_pid=$!
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$data/actrd.out")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  cat "$data/actrd.log" >&2
  echo "actrd did not start" >&2
  return 1
}

start_actrd() {
  init_actrd "$1" "$2" && serve_actrd "$1" "$2"
}

node_toml() {
  cat >"$1" <<TOML
edition = 1
[signaling]
url = "ws://127.0.0.1:$port/signaling/ws"
[ais_endpoint]
url = "http://127.0.0.1:$port/ais"
[deployment]
realm_id = $realm
realm_secret = "$secret"
TOML
  if [ -n "${2:-}" ]; then
    printf '[[acl.rules]]\npermission = "allow"\ntype = "%s"\n' "$2" >>"$1"
  fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for() {
  local file=$1 pattern=$2 pid=$3 secs=$4
  for _ in $(seq 1 $((secs * 10))); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "$pattern" "$file" 2>/dev/null
}
