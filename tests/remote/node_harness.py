"""Shared pieces of the networked-node tests (docs/TESTING-REMOTE.md): a real actrd (the class
from tests/conformance/actrd_conf.py), real node processes (tests/remote/test_node.c, driven by
commands on their standard input), actr.toml files, and a raw direct-WebSocket peer written
against protocol.md 8.8 with python3-websockets (for what the C API cannot do on purpose: resend
a request id, send malformed frames, present forged credentials).

Run with /usr/bin/python3. Every wait is bounded; everything talks to 127.0.0.1 only.
Usage: remote_<name>.py PATH_TO_test_node (each test imports this module)
"""
import asyncio
import base64
import os
import queue
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
import actrd_conf  # noqa: E402  (generates actr_pb2, signaling_pb2 on import)
from actrd_conf import Actrd, actr_pb2, check, registered  # noqa: E402,F401

import websockets  # noqa: E402

_PKG_PROTO_DIR = tempfile.mkdtemp(prefix="remote-proto-")
subprocess.run(["protoc", "--python_out=" + _PKG_PROTO_DIR,
                "-I" + os.path.join(actrd_conf.SOURCE_DIR, "proto"), "package.proto"],
               check=True, timeout=60, cwd=os.path.join(actrd_conf.SOURCE_DIR, "proto"))
sys.path.insert(0, _PKG_PROTO_DIR)
import package_pb2  # noqa: E402

if len(sys.argv) < 2:
    sys.exit("usage: %s PATH_TO_test_node" % sys.argv[0])
NODE = os.path.abspath(sys.argv[1])
# The nodes' WebRTC side (ACTR_WEBRTC_MODE): "off" by default, so these tests exercise the direct
# WebSocket path they are about; a variant run may set RT_WEBRTC_MODE=prefer (ICE then offers
# 127.0.0.1 host candidates only).
NODE_ENV = {"ACTR_WEBRTC_MODE": os.environ.get("RT_WEBRTC_MODE", "off"),
            "ACTR_WEBRTC_LOCAL_ADDRESSES": "127.0.0.1"}
# Sanitizer builds are several times slower; no assertion depends on these, they only bound waits.
WAIT = 30.0
START_WAIT = 45.0

REQUEST, RESPONSE, TELL = (package_pb2.DIRECTION_REQUEST, package_pb2.DIRECTION_RESPONSE,
                           package_pb2.DIRECTION_TELL)

# Wire codes (protocol.md 8.5).
UNAVAILABLE, TIMED_OUT, NOT_FOUND, PERMISSION_DENIED, INVALID_ARGUMENT, UNKNOWN_ROUTE = (
    10001, 10002, 10003, 10004, 10005, 10006)


def say(text):
    print(text, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(pred, timeout, step=0.05):
    """Polls pred until it is true or timeout seconds passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def mailbox_query(path, sql):
    """The rows of sql over a node's durable mailbox file (read-only, beside the running node),
    or None when the file cannot be read yet."""
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return None


def finish():
    shutil.rmtree(_PKG_PROTO_DIR, ignore_errors=True)
    actrd_conf.finish()


class Node:
    """One test_node process. Lines on its stdout are collected by a thread; commands are
    answered by exactly one `ok ...` or `err ...` line each."""

    def __init__(self, env, name, type_str, config, args=(), extra_env=None):
        self.env = env
        self.name = name
        self.type = type_str
        self.log_path = os.path.join(env.dir, name + ".log")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([NODE, "--config", config, "--type", type_str, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                     env={**os.environ, **NODE_ENV, **(extra_env or {})})
        log.close()
        self.lines = queue.Queue()
        self.history = []  # every stdout line, for searches after the fact
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.id = None

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            with self.lock:
                self.history.append(line)
            self.lines.put(line)
        self.lines.put(None)  # end of output

    def next_line(self, pred, timeout=WAIT):
        """The next stdout line matching pred (others are skipped; still in history)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                self.lines.put(None)
                return None
            if pred(line):
                return line

    def seen(self, pred):
        with self.lock:
            return [l for l in self.history if pred(l)]

    def wait_ready(self, timeout=START_WAIT):
        line = self.next_line(lambda l: l.startswith("ready "), timeout)
        if line is None:
            raise RuntimeError("%s did not start:\n%s" % (self.name, self.log()[-4000:]))
        self.id = line.split(" ", 1)[1]
        return self

    def send(self, text):
        """Sends one command without waiting; answer() reads its answer."""
        self.proc.stdin.write((text + "\n").encode())
        self.proc.stdin.flush()

    def answer(self, timeout=WAIT):
        """The next answer: (True, rest) for `ok rest`, (False, (ERRNAME, wire, message)) for
        `err`, (None, None) when none came in time."""
        line = self.next_line(lambda l: l.startswith("ok") or l.startswith("err "), timeout)
        if line is None:
            return None, None
        if line.startswith("ok"):
            return True, line[3:]
        _, name, wire, msg = line.split(" ", 3)
        return False, (name, int(wire), msg)

    def cmd(self, text, timeout=WAIT):
        """Sends one command and returns its answer (see answer())."""
        self.send(text)
        return self.answer(timeout)

    def stop(self, sig=signal.SIGTERM, timeout=WAIT):
        """Stops the process with sig; its exit code (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(WAIT)
            code = None
        self._close_pipes()
        return code

    def _close_pipes(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.reader.join(WAIT)
        self.proc.stdout.close()

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


class Env:
    """A temporary directory, one actrd, node processes; everything is stopped on exit."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="remote-test-")
        self.actrd = Actrd()
        self.nodes = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        failed = exc[0] is not None or actrd_conf.FAILURES
        for n in self.nodes:
            if n.alive():
                n.proc.kill()
                n.proc.wait(WAIT)
            if failed:
                say("---- %s log (tail) ----\n%s" % (n.name, n.log()[-3000:]))
        self.actrd.__exit__(*exc)
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_actrd(self, *args):
        self.actrd.init()
        self.actrd.start(*args)
        return self.actrd

    def config(self, name, ws_port=None, allow=(), deny=(), mailbox=None, extra=""):
        """Writes <dir>/<name>.toml for this actrd; allow/deny are caller types of [acl]."""
        a = self.actrd
        text = ['edition = 1',
                '[signaling]', 'url = "ws://127.0.0.1:%d/signaling/ws"' % a.port,
                '[ais_endpoint]', 'url = "http://127.0.0.1:%d/ais"' % a.port,
                '[deployment]', 'realm_id = %d' % a.realm_id, 'realm_secret = "%s"' % a.secret]
        if ws_port:
            text += ['[websocket]', 'listen_port = %d' % ws_port, 'advertised_host = "127.0.0.1"']
        if mailbox:
            text += ['[storage]', 'mailbox_path = "%s"' % mailbox]
        for perm, types in (("deny", deny), ("allow", allow)):
            for t in types:
                text += ['[[acl.rules]]', 'permission = "%s"' % perm, 'type = "%s"' % t]
        text.append(extra)
        path = os.path.join(self.dir, name + ".toml")
        with open(path, "w") as f:
            f.write("\n".join(text) + "\n")
        return path

    def node(self, name, type_str, config, *args, extra_env=None):
        """Starts a test_node and waits for its "ready" line. extra_env: e.g. {"ACTR_LOG":
        "debug"}."""
        n = Node(self, name, type_str, config, args, extra_env)
        self.nodes.append(n)
        return n.wait_ready()

    def path(self, name):
        return os.path.join(self.dir, name)


def read_lines(path):
    try:
        with open(path) as f:
            return [l.rstrip("\n") for l in f if l.strip()]
    except FileNotFoundError:
        return []


# ---- raw direct WebSocket peer (protocol.md 8.8) ----

def frame(payload_type, data):
    return struct.pack(">BI", payload_type, len(data)) + data


def envelope(direction, route, request_id, payload=b"", timeout_ms=None):
    env = package_pb2.RpcEnvelope()
    env.route_key = route
    if direction is not None:
        env.direction = direction
    env.request_id = request_id
    env.payload = payload
    env.timeout_ms = timeout_ms if timeout_ms is not None else (5000 if direction == REQUEST else 0)
    return env


def source_headers(ok):
    """X-Actr-Source-ID and X-Actr-Credential for a RegisterOk's identity."""
    return {"X-Actr-Source-ID": ok.actr_id.SerializeToString().hex(),
            "X-Actr-Credential": base64.b64encode(ok.credential.SerializeToString()).decode()}


class RawPeer:
    """A dialler speaking the framing by hand. Use inside asyncio."""

    def __init__(self, url, headers):
        self.url = url
        self.headers = headers
        self.ws = None

    async def __aenter__(self):
        self.ws = await websockets.connect(self.url, extra_headers=self.headers,
                                           open_timeout=WAIT, close_timeout=2, max_size=None,
                                           ping_interval=None)
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def send(self, data):
        await self.ws.send(data)

    async def send_env(self, env, lane=0):
        await self.ws.send(frame(lane, env.SerializePartialToString()))

    async def recv_env(self, timeout=WAIT):
        """The next RpcEnvelope from the listener, or None (timeout or connection closed)."""
        try:
            data = await asyncio.wait_for(self.ws.recv(), timeout)
        except (asyncio.TimeoutError, websockets.exceptions.ConnectionClosed):
            return None
        if isinstance(data, str) or len(data) < 5:
            return None
        pt, n = struct.unpack(">BI", data[:5])
        env = package_pb2.RpcEnvelope()
        env.ParseFromString(data[5:5 + n])
        return env

    async def closed_by_peer(self, timeout=WAIT):
        """True when the listener ends the connection within timeout without sending data."""
        try:
            await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.exceptions.ConnectionClosed:
            return True
        except asyncio.TimeoutError:
            return False
        return False


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 300))
