"""An independent signaling server for the C signaling client's tests, written against
protocol.md 6.1-6.3 with Debian's python3-websockets (10.4) and python3-protobuf; nothing from
our C code. Run with /usr/bin/python3.

It accepts the upgrade on /signaling/ws only when the query decodes (form-urlencoding, then
standard base64) to exactly the identity given on the command line, and when every value is
strictly form-encoded; otherwise it answers 401. On a connection it first sends a Text message,
a Binary message that is no SignalingEnvelope and one unsolicited relay (role_assignment), which
the client must ignore, drop and deliver. Then:

  ActrToSignaling.ping             -> Pong with reply_for
  ActrToSignaling.error code 9001  -> goes silent: stops reading (so no Pongs) and sends nothing
  ActrToSignaling.error code 9002  -> closes with 1008 "displaced by new connection"
  ActrToSignaling.error code 9003  -> no answer
  ActrToSignaling.error code 9004  -> closes with 1011; the next upgrade gets 401
  ActrToSignaling.error code 9005  -> closes with 1011; the next two upgrades get 503
  ActrToSignaling.error code 9006  -> from now on Pings on this connection get error 401
  any other ActrToSignaling        -> echoed back with a new id and reply_for = its id
  ActrRelay                        -> echoed back as a new envelope without reply_for

Prints `listening on 127.0.0.1:PORT`, then one line per event (`connect N`, `refused WHY`).
Exits when its standard input closes (the test died) or after --max-seconds.
"""
import argparse
import asyncio
import base64
import http
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import uuid

import websockets

SOURCE_DIR = os.environ.get("ACTR_SOURCE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
_PROTO_DIR = tempfile.mkdtemp(prefix="sigc-server-proto-")
subprocess.run(["protoc", "--python_out=" + _PROTO_DIR, "-I" + os.path.join(SOURCE_DIR, "proto"),
                "actr.proto", "webrtc.proto", "signaling.proto"],
               check=True, timeout=60, cwd=os.path.join(SOURCE_DIR, "proto"))
sys.path.insert(0, _PROTO_DIR)
import signaling_pb2  # noqa: E402

# What application/x-www-form-urlencoded leaves unescaped (plus the escapes themselves).
FORM_SAFE = re.compile(r"^[A-Za-z0-9*\-._%]*$")
SILENT, DISPLACE, NO_ANSWER, REFUSE_401, REFUSE_503, EXPIRE = range(9001, 9007)


def say(line):
    print(line, flush=True)


def check_query(args, path):
    """None when the upgrade's query carries the expected identity, else the reason."""
    parts = urllib.parse.urlsplit(path)
    if parts.path != "/signaling/ws":
        return "path %r" % parts.path
    raw = {}
    for piece in parts.query.split("&"):
        key, _, value = piece.partition("=")
        if not FORM_SAFE.match(value):
            return "%s is not strictly form-encoded: %r" % (key, value)
        raw[key] = urllib.parse.unquote_plus(value, errors="strict")
    want = {"actor_id": args.actor_id, "key_id": str(args.key_id)}
    if args.role:
        want["webrtc_role"] = args.role
    for key, value in want.items():
        if raw.get(key) != value:
            return "%s=%r, expected %r" % (key, raw.get(key), value)
    if args.role is None and "webrtc_role" in raw:
        return "unexpected webrtc_role"
    for key, hexed in (("claims", args.claims_hex), ("signature", args.signature_hex)):
        try:
            got = base64.b64decode(raw.get(key, ""), validate=True)
        except ValueError:
            return "%s is not standard base64" % key
        if got != bytes.fromhex(hexed):
            return "%s decodes to other bytes" % key
    return None


def new_envelope():
    env = signaling_pb2.SignalingEnvelope()
    env.envelope_version = 2
    env.envelope_id = str(uuid.uuid4())
    return env


class Server:
    def __init__(self, args):
        self.args = args
        self.connections = 0
        self.refuse_next = []  # statuses for the next upgrades

    async def process_request(self, path, headers):
        if self.refuse_next:
            status = http.HTTPStatus(self.refuse_next.pop(0))
            say("refused with %d (test hook)" % status)
            return status, [("content-type", "text/plain")], b"test hook\n"
        why = check_query(self.args, path)
        if why:
            say("refused " + why)
            return (http.HTTPStatus.UNAUTHORIZED, [("content-type", "text/plain")],
                    (why + "\n").encode())
        return None

    async def greet(self, ws):
        await ws.send("text messages are ignored")
        await ws.send(b"\xff\xff\xff\xff not an envelope")
        env = new_envelope()
        relay = env.actr_relay
        relay.source.realm.realm_id = 1
        relay.source.serial_number = 7
        relay.source.type.manufacturer, relay.source.type.name = "acme", "peer"
        relay.source.type.version = "1.0.0"
        relay.credential.key_id = 1
        relay.credential.claims = b"claims"
        relay.credential.signature = bytes(64)
        relay.target.CopyFrom(relay.source)
        relay.role_assignment.is_offerer = True
        await ws.send(env.SerializeToString())

    async def handle(self, ws, path):
        self.connections += 1
        say("connect %d" % self.connections)
        try:
            await self.serve(ws)
        except websockets.exceptions.ConnectionClosed:
            pass  # clients that are destroyed or declare us dead just drop the socket

    async def serve(self, ws):
        await self.greet(ws)
        expired = False
        async for data in ws:
            if isinstance(data, str):
                continue
            req = signaling_pb2.SignalingEnvelope()
            req.ParseFromString(data)
            flow = req.WhichOneof("flow")
            if flow == "actr_to_server":
                msg = req.actr_to_server
                kind = msg.WhichOneof("payload")
                code = msg.error.code if kind == "error" else 0
                if code == SILENT:
                    say("silent")
                    ws.transport.pause_reading()
                    await asyncio.Future()  # until the client gives up and the server exits
                if code == DISPLACE:
                    await ws.close(1008, "displaced by new connection")
                    return
                if code == NO_ANSWER:
                    continue
                if code in (REFUSE_401, REFUSE_503):
                    self.refuse_next = [401] if code == REFUSE_401 else [503, 503]
                    await ws.close(1011, "restarting")
                    return
                if code == EXPIRE:
                    expired = True
                    continue
                reply = new_envelope()
                reply.reply_for = req.envelope_id
                if kind == "ping" and expired:
                    out = reply.server_to_actr
                    out.target.CopyFrom(msg.source)
                    out.error.code = 401
                    out.error.message = "credential expired"
                elif kind == "ping":
                    out = reply.server_to_actr
                    out.target.CopyFrom(msg.source)
                    out.pong.seq = self.connections
                    out.pong.suggest_interval_secs = 30
                else:
                    reply.actr_to_server.CopyFrom(msg)
                await ws.send(reply.SerializeToString())
            elif flow == "actr_relay":
                echo = new_envelope()
                echo.actr_relay.CopyFrom(req.actr_relay)
                await ws.send(echo.SerializeToString())


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--actor-id", required=True)
    p.add_argument("--key-id", type=int, required=True)
    p.add_argument("--claims-hex", required=True)
    p.add_argument("--signature-hex", required=True)
    p.add_argument("--role")
    p.add_argument("--max-seconds", type=float, default=300)
    args = p.parse_args()
    server = Server(args)
    async with websockets.serve(server.handle, "127.0.0.1", 0, ping_interval=None,
                                max_size=None, process_request=server.process_request) as srv:
        say("listening on 127.0.0.1:%d" % srv.sockets[0].getsockname()[1])
        loop = asyncio.get_running_loop()
        stdin_closed = loop.create_future()
        loop.add_reader(sys.stdin.fileno(), lambda: stdin_closed.done() or (
            not os.read(sys.stdin.fileno(), 4096) and stdin_closed.set_result(None)))
        try:
            await asyncio.wait_for(stdin_closed, args.max_seconds)
        except asyncio.TimeoutError:
            pass


try:
    asyncio.run(main())
finally:
    import shutil
    shutil.rmtree(_PROTO_DIR, ignore_errors=True)
