#!/usr/bin/env bash
# Interop with tools nobody here wrote (platform.md §1): a package assembled by hand with zip,
# openssl and sha256sum must verify with our code, and our packer's output must be readable by
# unzip and carry a manifest signature that openssl accepts.
#   usage: handmade.sh PKG_TOOL
set -euo pipefail
tool=$1
work=$(mktemp -d /tmp/actr-handmade-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_ok() { "$tool" verify "$1" "$2" || fail "expected $1 to verify"; }
expect_err() { # package key fragment
    local out
    if out=$("$tool" verify "$1" "$2"); then fail "expected $1 to be rejected"; fi
    grep -qF -- "$3" <<<"$out" || fail "expected '$3', got: $out"
}

# An Ed25519 key from OpenSSL; the raw public key and seed are the last 32 bytes of the DER forms.
openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
openssl pkey -in key.pem -pubout -outform DER | tail -c 32 > pub.raw
openssl pkey -in key.pem -outform DER | tail -c 32 > seed.raw
[ "$(stat -c %s pub.raw)" = 32 ] && [ "$(stat -c %s seed.raw)" = 32 ] || fail "key extraction"
key_id="mfr-$(sha256sum pub.raw | cut -c1-16)"
printf '{"public_key":"%s"}' "$(base64 -w0 pub.raw)" > public-key.json

# ---- hand-made package -> our verifier ----
mkdir -p bin proto
head -c 3000 /dev/urandom > bin/actor.wasm
printf 'syntax = "proto3";\nservice Echo {}\n' > proto/echo.proto
bin_hash=$(sha256sum bin/actor.wasm | cut -d' ' -f1)
proto_hash=$(sha256sum proto/echo.proto | cut -d' ' -f1)
cat > manifest.toml <<TOML
# written by hand; any valid TOML with these keys is a manifest
manufacturer = "acme"
name = "HandMade"
version = "0.1.0"
signing_key_id = "$key_id"

[binary]
path = "bin/actor.wasm"
target = "wasm32-wasip2"
hash = "$bin_hash"
kind = "component"

[[proto_files]]
name = "echo.proto"
path = "proto/echo.proto"
hash = "$proto_hash"

[metadata]
description = 'made with "zip" and openssl'
TOML
openssl pkeyutl -sign -rawin -inkey key.pem -in manifest.toml -out manifest.sig
[ "$(stat -c %s manifest.sig)" = 64 ] || fail "openssl signature is not 64 bytes"

echo "not listed in the manifest, so ignored" > notes.txt
zip -q -X deflated.actr manifest.toml manifest.sig bin/actor.wasm proto/echo.proto notes.txt
zip -q -X -0 stored.actr manifest.toml manifest.sig bin/actor.wasm proto/echo.proto
listing=$(unzip -v deflated.actr)  # no early-exiting grep in a pipe: pipefail + SIGPIPE
grep -q Defl <<<"$listing" || fail "zip did not deflate"
expect_ok deflated.actr pub.raw
expect_ok stored.actr public-key.json
out=$("$tool" verify deflated.actr pub.raw)
[ "$out" = "acme:HandMade:0.1.0 binary=bin/actor.wasm" ] || fail "unexpected verify output: $out"

# Tampering with what the manifest binds, or with the manifest, is caught.
cp bin/actor.wasm orig.wasm
printf 'X' | dd of=bin/actor.wasm bs=1 seek=100 conv=notrunc 2>/dev/null
zip -q -X tampered.actr manifest.toml manifest.sig bin/actor.wasm proto/echo.proto
expect_err tampered.actr pub.raw "binary hash mismatch: bin/actor.wasm"
cp orig.wasm bin/actor.wasm
sed -i 's/HandMade/HandMadf/' manifest.toml
zip -q -X resigned.actr manifest.toml manifest.sig bin/actor.wasm proto/echo.proto
expect_err resigned.actr pub.raw "Ed25519 verification failed"

# A different key is refused.
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
openssl pkey -in other.pem -pubout -outform DER | tail -c 32 > other.raw
expect_err stored.actr other.raw "signature verification failed"

# ---- our packer -> standard tools ----
printf '[[dependency]]\nname = "x"\n' > lock.toml
printf 'export {}\n' > glue.js
"$tool" pack ours.actr seed.raw orig.wasm --resource resources/glue.js=glue.js \
    --proto echo.proto=proto/echo.proto --lock lock.toml
unzip -tq ours.actr >/dev/null || fail "unzip -t rejects our package"
listing=$(unzip -Z1 ours.actr | tr '\n' ' ')
[ "$listing" = "manifest.toml manifest.sig manifest.lock.toml bin/actor.wasm resources/glue.js proto/echo.proto " ] \
    || fail "unexpected entry order: $listing"
unzip -l ours.actr >/dev/null
methods=$(unzip -v ours.actr | awk 'NR>3 && $2 ~ /^[A-Z]/ {print $2}' | sort -u)
[ "$methods" = "Stored" ] || fail "our entries must all be STORED, got: $methods"
mkdir out && (cd out && unzip -q ../ours.actr)
verdict=$(openssl pkeyutl -verify -rawin -pubin -inkey pub.pem -in out/manifest.toml \
    -sigfile out/manifest.sig) || fail "openssl does not accept our manifest signature"
grep -q "Signature Verified Successfully" <<<"$verdict" || fail "openssl verdict: $verdict"
grep -qx "hash = \"$bin_hash\"" out/manifest.toml || fail "binary hash not in our manifest"
grep -qx "signing_key_id = \"$key_id\"" out/manifest.toml || fail "signing_key_id mismatch"
grep -qx "hash = \"$(sha256sum lock.toml | cut -d' ' -f1)\"" out/manifest.toml \
    || fail "lock hash not in our manifest"
cmp -s out/bin/actor.wasm orig.wasm || fail "binary changed by packing"
expect_ok ours.actr pub.raw
echo "handmade: all checks passed"
