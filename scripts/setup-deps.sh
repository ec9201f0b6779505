#!/usr/bin/env bash
# Installs every Debian package the project needs to build, test, fuzz and benchmark.
# Idempotent and non-interactive: packages already present are not touched, and apt is only
# called when something is missing. Run as root, or as a user with sudo.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config clang lld libclang-rt-14-dev
  # libraries linked by libactr
  libssl-dev libsqlite3-dev libzip-dev libcjson-dev libuv1-dev libcurl4-openssl-dev
  libprotobuf-c-dev protobuf-c-compiler libwebsockets-dev libwebsockets-evlib-uv
  # tests: runner, protobuf interop, package tools, unicode data for name tables
  libcmocka-dev protobuf-compiler openssl zip unzip python3 python3-websockets python3-protobuf unicode-data
  erlang-base # benchmarks: bench_inproc's baseline (Erlang/OTP message passing)
  # WebRTC stack: ICE, SCTP, SRTP (libnice pulls GLib)
  libnice-dev libusrsctp-dev libsrtp2-dev
  # WebAssembly: spec-test conversion (wast2json), reference interpreter for benchmarks,
  # and the wasm32-wasi guest toolchain (clang + lld + wasi-libc)
  wabt wasi-libc libclang-rt-14-dev-wasm32
)
# Interop peers and benchmarks run under Node.js; a machine may already have node + npm from
# another source (NodeSource bundles npm), so install Debian's only when the commands are absent.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
