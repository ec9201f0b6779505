"""An independent direct-WebSocket peer for the C hub's interop test, written against
protocol.md 4.1 and 8.8 with Debian's python3-websockets (10.4), python3-protobuf and
python3-cryptography; nothing from our C code. Run with /usr/bin/python3.

Framing: every Binary message is `payload_type u8 | length u32 BE | data[length]`.

--mode server: listens on 127.0.0.1 (free port), prints `listening on 127.0.0.1:PORT`, and
verifies each dialler after the upgrade like the reference listener: X-Actr-Source-ID is
hex(protobuf ActrId), X-Actr-Credential is base64(protobuf AIdCredential); the Ed25519
signature (key --ais-pubkey-hex) over the claims bytes, IdentityClaims.expires_at > now, and
claims.actor_id == the ActrId's string form. A failure aborts the TCP connection without a word
and prints `refused WHY`; success prints `verified ACTORID`. Then lanes 0/1 are answered as
type 0 with the same data (the listener's reply), except a request whose data is
`malformed-please`: first four bad messages (3 bytes; type 9; a length longer than the data; a
Text message), then the echo with 7 trailing bytes after the data. Lanes 2/3 print
`chunk STREAM SEQ LEN`. Exits when standard input closes or after --max-seconds.

--mode client: dials --url with the given header values (omitted when empty), sends three
malformed messages, a request `hello-from-python` (lane 0), a tell (lane 1) and a DataChunk for
stream `py` (lane 2), and expects exactly one echo of the request. With --expect-drop it expects
instead that the listener closes the socket without sending anything. Prints `ok` and exits 0,
or prints the problem and exits 1.
"""
import argparse
import asyncio
import base64
import os
import struct
import subprocess
import sys
import tempfile
import time

import websockets
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SOURCE_DIR = os.environ.get("ACTR_SOURCE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
_PROTO_DIR = tempfile.mkdtemp(prefix="ws-peer-proto-")
subprocess.run(["protoc", "--python_out=" + _PROTO_DIR, "-I" + os.path.join(SOURCE_DIR, "proto"),
                "actr.proto", "package.proto"],
               check=True, timeout=60, cwd=os.path.join(SOURCE_DIR, "proto"))
sys.path.insert(0, _PROTO_DIR)
import actr_pb2  # noqa: E402
import package_pb2  # noqa: E402


def say(line):
    print(line, flush=True)


def frame(payload_type, data):
    return struct.pack(">BI", payload_type, len(data)) + data


def unframe(msg):
    if len(msg) < 5:
        raise ValueError("short")
    pt, n = struct.unpack(">BI", msg[:5])
    if pt > 4 or len(msg) < 5 + n:
        raise ValueError("bad frame")
    return pt, msg[5:5 + n]


def actor_string(aid):
    t = aid.type
    return "%x@%d/%s:%s:%s" % (aid.serial_number, aid.realm.realm_id, t.manufacturer, t.name,
                              t.version)


def verify(headers, pubkey):
    """The ActrId string when the dialler's credential holds, else raises ValueError(why)."""
    src = headers.get("X-Actr-Source-ID")
    cred_text = headers.get("X-Actr-Credential")
    if not src or not cred_text:
        raise ValueError("missing")
    aid = actr_pb2.ActrId()
    aid.ParseFromString(bytes.fromhex(src))
    cred = actr_pb2.AIdCredential()
    cred.ParseFromString(base64.b64decode(cred_text, validate=True))
    if len(cred.signature) != 64:
        raise ValueError("signature length")
    try:
        pubkey.verify(cred.signature, cred.claims)
    except InvalidSignature:
        raise ValueError("signature")
    claims = actr_pb2.IdentityClaims()
    claims.ParseFromString(cred.claims)
    if claims.expires_at <= int(time.time()):
        raise ValueError("expired")
    if claims.actor_id != actor_string(aid):
        raise ValueError("actor mismatch")
    return claims.actor_id


async def serve_one(ws, path, pubkey):
    try:
        who = verify(ws.request_headers, pubkey)
    except Exception as e:  # noqa: BLE001 - any failure is a silent drop
        say("refused %s" % e)
        ws.transport.abort()
        return
    say("verified %s" % who)
    try:
        async for msg in ws:
            if isinstance(msg, str):
                say("text ignored")
                continue
            try:
                pt, data = unframe(msg)
            except ValueError as e:
                say("malformed %s" % e)
                continue
            if pt in (0, 1):
                if data == b"malformed-please":
                    await ws.send(b"\x00\x00\x01")
                    await ws.send(frame(9, b"x"))
                    await ws.send(struct.pack(">BI", 0, 100) + b"short")
                    await ws.send("a text message")
                    await ws.send(frame(0, data) + b"trailer")
                else:
                    await ws.send(frame(0, data))
            elif pt in (2, 3):
                chunk = package_pb2.DataChunk()
                chunk.ParseFromString(data)
                say("chunk %s %d %d" % (chunk.stream_id, chunk.sequence, len(chunk.payload)))
    except websockets.ConnectionClosed:
        pass
    say("closed")


async def run_server(args):
    pubkey = Ed25519PublicKey.from_public_bytes(bytes.fromhex(args.ais_pubkey_hex))
    async with websockets.serve(lambda ws, path: serve_one(ws, path, pubkey), "127.0.0.1", 0,
                                ping_interval=None, max_size=None) as srv:
        say("listening on 127.0.0.1:%d" % srv.sockets[0].getsockname()[1])
        loop = asyncio.get_running_loop()
        stdin_closed = loop.create_future()
        loop.add_reader(sys.stdin.fileno(), lambda: stdin_closed.done() or (
            not os.read(sys.stdin.fileno(), 4096) and stdin_closed.set_result(None)))
        try:
            await asyncio.wait_for(stdin_closed, args.max_seconds)
        except asyncio.TimeoutError:
            pass


async def run_client(args):
    headers = []
    if args.source_hex:
        headers.append(("X-Actr-Source-ID", args.source_hex))
    if args.credential_b64:
        headers.append(("X-Actr-Credential", args.credential_b64))
    async with websockets.connect(args.url, extra_headers=headers, ping_interval=None,
                                  max_size=None, open_timeout=10) as ws:
        chunk = package_pb2.DataChunk(stream_id="py", sequence=3, payload=b"chunk-bytes")
        try:
            await ws.send(b"\x00\x01")                             # shorter than 5 bytes
            await ws.send(frame(7, b"bad type"))                    # no such payload type
            await ws.send(struct.pack(">BI", 0, 50) + b"truncated")  # length beyond the data
            await ws.send(frame(0, b"hello-from-python"))
            await ws.send(frame(1, b"a tell"))
            await ws.send(frame(2, chunk.SerializeToString()))
            if args.expect_drop:
                msg = await asyncio.wait_for(ws.recv(), 10)
                say("got %r instead of a drop" % msg)
                return 1
        except websockets.ConnectionClosed as e:
            if not args.expect_drop:
                raise
            if e.rcvd is not None:  # the reference sends no close frame, no reason
                say("closed with a close frame %r, expected a silent drop" % e.rcvd)
                return 1
            say("ok")
            return 0
        msg = await asyncio.wait_for(ws.recv(), 10)
        pt, data = unframe(msg)
        if pt != 0 or data != b"hello-from-python":
            say("unexpected reply %r" % msg)
            return 1
        try:  # the tell gets no answer
            extra = await asyncio.wait_for(ws.recv(), 0.3)
            say("unexpected extra message %r" % extra)
            return 1
        except asyncio.TimeoutError:
            pass
        say("ok")
        return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["server", "client"], required=True)
    p.add_argument("--ais-pubkey-hex")
    p.add_argument("--url")
    p.add_argument("--source-hex", default="")
    p.add_argument("--credential-b64", default="")
    p.add_argument("--expect-drop", action="store_true")
    p.add_argument("--max-seconds", type=float, default=120)
    args = p.parse_args()
    if args.mode == "server":
        asyncio.run(run_server(args))
        return 0
    return asyncio.run(asyncio.wait_for(run_client(args), args.max_seconds))


try:
    sys.exit(main())
finally:
    import shutil
    shutil.rmtree(_PROTO_DIR, ignore_errors=True)
