"""Shared pieces of the actrd conformance tests: a real actrd process, HTTP and WebSocket
clients written against the wire protocol (spec/protocol.md sections 5 and 6), nothing from our
C code. Python modules for our .proto files are generated at run time with protoc.

Run with Debian's interpreter (/usr/bin/python3): it has python3-websockets and
python3-protobuf. Every wait is bounded; every socket goes to 127.0.0.1.
"""
import asyncio
import base64
import http.client
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

import websockets

SOURCE_DIR = os.environ.get("ACTR_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN_DIR = os.environ.get("ACTR_BIN_DIR", os.path.join(SOURCE_DIR, "build", "bin"))
ACTRD = os.path.join(BIN_DIR, "actrd")
# ACTRD_WRAPPER runs the server under a tool, e.g. "valgrind -q --leak-check=full
# --error-exitcode=99" (a report then fails the clean-exit checks).
WRAPPER = os.environ.get("ACTRD_WRAPPER", "").split()
WAIT = 30.0 if WRAPPER else 10.0  # seconds: the longest any single step may take

_PROTO_DIR = tempfile.mkdtemp(prefix="actrd-conf-proto-")
subprocess.run(["protoc", "--python_out=" + _PROTO_DIR, "-I" + os.path.join(SOURCE_DIR, "proto"),
                "actr.proto", "webrtc.proto", "signaling.proto"],
               check=True, timeout=60, cwd=os.path.join(SOURCE_DIR, "proto"))
sys.path.insert(0, _PROTO_DIR)
import actr_pb2  # noqa: E402
import signaling_pb2  # noqa: E402
import webrtc_pb2  # noqa: E402

FAILURES = []


def check(cond, what):
    """Records a failed expectation (the test goes on, so one run shows every problem)."""
    if cond:
        print("  ok   " + what, flush=True)
    else:
        print("  FAIL " + what, flush=True)
        FAILURES.append(what)


def finish():
    shutil.rmtree(_PROTO_DIR, ignore_errors=True)
    if FAILURES:
        print("%d failed: %s" % (len(FAILURES), "; ".join(FAILURES)), flush=True)
        sys.exit(1)
    print("all passed", flush=True)


class Actrd:
    """One actrd data directory and, while started, one server process on 127.0.0.1."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="actrd-conf-")
        self.data = os.path.join(self.dir, "data")
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.dir, "actrd.log")
        self.realm_id = None
        self.secret = None

    def init(self):
        out = subprocess.run([ACTRD, "init", "--data-dir", self.data, "--json"], check=True,
                             capture_output=True, text=True, timeout=30)
        info = json.loads(out.stdout)
        self.realm_id = int(info["realm_id"])
        self.secret = info["realm_secret"]
        return info

    def start(self, *args, listen="127.0.0.1:0"):
        """Starts actrd (on a free port by default); it prints `listening on 127.0.0.1:PORT`."""
        log = open(self.log_path, "ab")
        cmd = [*WRAPPER, ACTRD, "serve", "--data-dir", self.data, *args]
        if listen:
            cmd += ["--listen", listen]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
        log.close()
        deadline = time.monotonic() + WAIT
        line = b""
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                c = os.read(self.proc.stdout.fileno(), 1)  # unbuffered: select stays truthful
                if not c:
                    break
                line += c
        text = line.decode(errors="replace").strip()
        if not text.startswith("listening on 127.0.0.1:"):
            self.proc.kill()
            self.proc.wait(WAIT)
            raise RuntimeError("actrd did not start: %r\n%s" % (text, self.log()))
        self.port = int(text.rsplit(":", 1)[1])
        while time.monotonic() < deadline:
            try:
                if self.http("GET", "/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("actrd /health never answered")

    def stop(self):
        """SIGTERM; returns the exit code (0 is a clean shutdown)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(WAIT)
            code = "hung"
        self.proc.stdout.close()
        self.proc = None
        return code

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def close(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait(WAIT)
            self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None and os.path.exists(self.log_path):
            print("---- actrd log ----\n" + self.log()[-8000:], flush=True)
        self.close()

    # ---- HTTP ----

    def http(self, method, path, body=None, headers=None):
        """One request on a fresh connection: (status, headers dict (lowercase), body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def register(self, req, secret=None):
        headers = {"Content-Type": "application/x-protobuf", "Accept": "application/x-protobuf"}
        if secret:
            headers["x-actrix-realm-secret"] = secret
        status, hdrs, body = self.http("POST", "/ais/register", req.SerializeToString(), headers)
        resp = actr_pb2.RegisterResponse()
        resp.ParseFromString(body)
        return status, resp

    def renew(self, actr_id, token):
        req = actr_pb2.RenewCredentialRequest()
        req.actr_id.CopyFrom(actr_id)
        req.renewal_token = token
        status, hdrs, body = self.http("POST", "/ais/renew", req.SerializeToString(),
                                       {"Content-Type": "application/x-protobuf"})
        resp = actr_pb2.RenewCredentialResponse()
        resp.ParseFromString(body)
        return status, resp

    def metrics(self):
        status, _, body = self.http("GET", "/metrics")
        values = {}
        for line in body.decode().splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    def ws_url(self, query):
        return "ws://127.0.0.1:%d/signaling/ws?%s" % (self.port, query)


# ---- identities ----

def type_str(t):
    return "%s:%s:%s" % (t.manufacturer, t.name, t.version)


def id_str(i):
    return "%x@%d/%s" % (i.serial_number, i.realm.realm_id, type_str(i.type))


def register_request(realm_id, mfr, name, version, allow=()):
    """A LINKED RegisterRequest whose ACL lets each (mfr, name, version) in allow reach it."""
    req = actr_pb2.RegisterRequest()
    req.actr_type.manufacturer = mfr
    req.actr_type.name = name
    req.actr_type.version = version
    req.realm.realm_id = realm_id
    req.auth_mode = actr_pb2.REGISTER_AUTH_MODE_LINKED
    for (m, n, v) in allow:
        rule = req.acl.rules.add()
        rule.permission = actr_pb2.AclRule.ALLOW
        rule.from_type.manufacturer = m
        rule.from_type.name = n
        rule.from_type.version = v
        rule.realm_id = realm_id
    return req


def auth_query(actor_id, credential, role=None):
    """The identity query of protocol.md 6.1: form-urlencoded, claims and signature in base64."""
    params = [("actor_id", actor_id), ("key_id", str(credential.key_id)),
              ("claims", base64.b64encode(credential.claims).decode()),
              ("signature", base64.b64encode(credential.signature).decode())]
    if role:
        params.append(("webrtc_role", role))
    return urllib.parse.urlencode(params)


# ---- signaling client ----

class Peer:
    """One signaling WebSocket bound to a registered actor."""

    def __init__(self, server, ok, name="peer"):
        self.server = server
        self.ok = ok  # RegisterOk
        self.name = name
        self.ws = None
        self.counter = 0
        self.inbox = []

    @property
    def id(self):
        return self.ok.actr_id

    async def connect(self, role=None):
        self.ws = await websockets.connect(
            self.server.ws_url(auth_query(id_str(self.id), self.ok.credential, role)),
            open_timeout=WAIT, close_timeout=2, max_size=None, ping_interval=None)
        return self

    async def send(self, env):
        await self.ws.send(env.SerializeToString())

    def envelope(self):
        self.counter += 1
        env = signaling_pb2.SignalingEnvelope()
        env.envelope_version = 2
        env.envelope_id = "env-%d" % self.counter
        return env

    def to_server(self, **payload):
        env = self.envelope()
        a = env.actr_to_server
        a.source.CopyFrom(self.id)
        a.credential.CopyFrom(self.ok.credential)
        for k, v in payload.items():
            getattr(a, k).CopyFrom(v)
        return env

    def relay(self, target, **payload):
        env = self.envelope()
        r = env.actr_relay
        r.source.CopyFrom(self.id)
        r.credential.CopyFrom(self.ok.credential)
        r.target.CopyFrom(target)
        for k, v in payload.items():
            getattr(r, k).CopyFrom(v)
        return env

    async def recv(self, pred=lambda e: True, timeout=WAIT):
        """The first envelope (kept or new) matching pred; None after timeout."""
        for i, env in enumerate(self.inbox):
            if pred(env):
                return self.inbox.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                data = await asyncio.wait_for(self.ws.recv(), left)
            except asyncio.TimeoutError:
                return None
            if isinstance(data, str):
                continue
            env = signaling_pb2.SignalingEnvelope()
            env.ParseFromString(data)
            if pred(env):
                return env
            self.inbox.append(env)

    async def request(self, timeout=WAIT, **payload):
        env = self.to_server(**payload)
        await self.send(env)
        return await self.recv(lambda e: e.reply_for == env.envelope_id, timeout)

    async def ping(self):
        p = actr_pb2.Ping()
        p.availability = actr_pb2.FULL
        p.power_reserve = 2.0
        p.mailbox_backlog = 0.0
        return await self.request(ping=p)

    async def close_code(self, timeout=WAIT):
        """Reads until the server closes; the close code (None if still open at timeout)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                await asyncio.wait_for(self.ws.recv(), max(0.01, deadline - time.monotonic()))
        except websockets.exceptions.ConnectionClosed as e:
            return e.code
        except asyncio.TimeoutError:
            return None
        return None

    async def close(self):
        if self.ws:
            await self.ws.close()


async def upgrade_status(server, query, path="/signaling/ws"):
    """Tries an upgrade that should be refused: the HTTP status, or 101 if it was accepted."""
    url = "ws://127.0.0.1:%d%s%s" % (server.port, path, "?" + query if query else "")
    try:
        ws = await websockets.connect(url, open_timeout=WAIT, ping_interval=None)
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code, e.headers
    await ws.close()
    return 101, {}


def registered(server, mfr, name, version="1.0.0", allow=()):
    """Registers a LINKED actor with the realm secret; returns its RegisterOk."""
    status, resp = server.register(register_request(server.realm_id, mfr, name, version, allow),
                                   server.secret)
    if status != 200 or resp.WhichOneof("result") != "success":
        raise RuntimeError("registration failed: %d %s" % (status, resp))
    return resp.success


def run(coro):
    asyncio.run(asyncio.wait_for(coro, 300))
