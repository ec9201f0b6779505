#!/bin/bash
# `actr run` up to registration: the config, its trust and the package are checked and the
# package is attached (its binary lands in the dynclib cache), then registration fails because no
# AIS listens on the configured port (127.0.0.1:9, discard). A tampered package fails at attach.
# Usage: run_cli.sh ACTR_BIN GUEST_DIR
set -u
actr=$1
guests=$(cd "$2" && pwd) # the config joins relative paths to its own directory
dir=$(mktemp -d /tmp/actr-run-test-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir/err" 2>/dev/null; exit 1; }

cat > "$dir/actr.toml" <<TOML
edition = 1
[signaling]
url = "ws://127.0.0.1:9/signaling/ws"
[ais_endpoint]
url = "http://127.0.0.1:9/ais"
[deployment]
realm_id = 1
[[trust]]
kind = "static"
pubkey_file = "$guests/public-key.json"
[hyper]
data_dir = "$dir/hyper"
TOML

timeout 60 "$actr" run -c "$dir/actr.toml" "$guests/echo-native.actr" 2> "$dir/err"
rc=$?
[ $rc -eq 1 ] || fail "exit $rc, want 1"
grep -q "actr run: register: " "$dir/err" || fail "did not stop at register"
ls "$dir"/hyper/dynclib-cache/*.so > /dev/null 2>&1 || fail "package was not attached (no cache file)"

# One flipped byte in the middle of the package: refused at attach, exit 1.
/usr/bin/python3 - "$guests/echo-native.actr" "$dir/bad.actr" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
data[len(data) // 2] ^= 0x01
open(sys.argv[2], 'wb').write(data)
PY
timeout 60 "$actr" run -c "$dir/actr.toml" "$dir/bad.actr" 2> "$dir/err"
rc=$?
[ $rc -eq 1 ] || fail "tampered: exit $rc, want 1"
grep -q "actr run: attach: " "$dir/err" || fail "tampered package not refused at attach"

# No package anywhere: a usage error.
timeout 60 "$actr" run -c "$dir/actr.toml" 2> "$dir/err"
[ $? -eq 2 ] || fail "no package: want exit 2"
echo "actr run: ok"
