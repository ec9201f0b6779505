"""remote_bad_input: hostile input on a service's direct WebSocket listener (protocol.md 8.8,
runtime.md 1.1 and 2.3): the whole node survives and keeps answering real clients.

Identities: V is a valid AIS registration; E was registered while actrd issued 1 s credentials
(actrd is then restarted with the default lifetime on the same data dir and port, so E's
credential is genuine, signed by the same key, and expired).

1. Connections whose identity fails are dropped silently, for the right reason (the service
   runs with ACTR_LOG=debug and names it): no headers, no credential, undecodable credential,
   flipped signature byte, tampered claims, another actor's source id, expired credential,
   unknown signing key id. None gets an answer.
2. On an authenticated connection: short message, type byte 9, length past the end, a Text
   message, a payload that is no RpcEnvelope (goes to the dead-letter queue as
   protobuf_decode), envelopes with no direction, RESPONSE (orphan), an unknown direction, an
   empty request id, a 300-character route key, junk on the stream and media lanes. No handler
   runs and nothing is answered; the next valid request on the same connection is answered.
3. A message over the 16 MiB limit closes that connection with 1009.
After each group a real client's call through the normal path still succeeds; the service
exits cleanly at the end (under ASan: no leak, no error).
"""
import base64
import sqlite3
import struct
import time

import websockets

from node_harness import (REQUEST, RESPONSE, TELL, Env, RawPeer, actr_pb2, check, envelope,
                          finish, frame, free_port, read_lines, registered, run,
                          source_headers)

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
MAX_MESSAGE = 16 * 1024 * 1024


def with_credential(ok, mutate):
    """source_headers(ok) with the credential changed by mutate(AIdCredential)."""
    cred = actr_pb2.AIdCredential()
    cred.CopyFrom(ok.credential)
    mutate(cred)
    h = source_headers(ok)
    h["X-Actr-Credential"] = base64.b64encode(cred.SerializeToString()).decode()
    return h


def flip_last(field):
    def mutate(cred):
        b = bytearray(getattr(cred, field))
        b[-1] ^= 0x01
        setattr(cred, field, bytes(b))
    return mutate


def set_key_id(cred):
    cred.key_id = 9999


def dlq_categories(path):
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
        try:
            return [r[0] for r in db.execute("SELECT error_category FROM dead_letter_queue")]
        finally:
            db.close()
    except sqlite3.Error as e:
        return ["unreadable: %s" % e]


with Env() as env:
    server = env.start_actrd("--set", "ais.token_ttl_secs=1")
    port = server.port
    expired = registered(server, "acme", "RtClient")
    claims = actr_pb2.IdentityClaims()
    claims.ParseFromString(expired.credential.claims)
    check(server.stop() == 0, "actrd with 1 s credentials stopped")
    server.start(listen="127.0.0.1:%d" % port)
    valid = registered(server, "acme", "RtClient")

    counted = env.path("counted")
    mailbox = env.path("svc-mailbox.db")
    ws_port = free_port()
    url = "ws://127.0.0.1:%d" % ws_port
    svc = env.node("svc", SVC, env.config("svc", ws_port=ws_port, allow=[CLI], mailbox=mailbox),
                   "--count-file", counted, extra_env={"ACTR_LOG": "debug"})
    cli = env.node("cli", CLI, env.config("cli"))
    while time.time() < claims.expires_at + 1:  # at most the 1 s lifetime (+1 s)
        time.sleep(0.1)
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")
    calls = [0]

    def still_serving(after):
        calls[0] += 1
        ok, reply = cli.cmd("call rt.Svc.Echo 5000 check-%d" % calls[0])
        check(svc.alive() and ok and reply == "Echo: check-%d" % calls[0],
              "after %s the service still answers a real client" % after)

    # ---- 1. identities ----
    no_cred = source_headers(valid)
    del no_cred["X-Actr-Credential"]
    garbage = source_headers(valid)
    garbage["X-Actr-Credential"] = "not base64 !!"
    other_source = source_headers(valid)
    other_source["X-Actr-Source-ID"] = expired.actr_id.SerializeToString().hex()
    identities = [
        ("no headers", {}, "no X-Actr-Source-ID"),
        ("no credential", no_cred, "no X-Actr-Credential"),
        ("undecodable credential", garbage, "X-Actr-Credential does not decode"),
        ("flipped signature", with_credential(valid, flip_last("signature")),
         "bad credential signature"),
        ("tampered claims", with_credential(valid, flip_last("claims")),
         "bad credential signature"),
        ("another actor's source id", other_source, "claims.actor_id is not X-Actr-Source-ID"),
        ("expired credential", source_headers(expired), "credential expired"),
        ("unknown signing key", with_credential(valid, set_key_id), "AIS key 9999 unavailable"),
    ]

    async def refused(headers):
        """True when the service drops the connection without answering a request on it (it
        may be gone before the request is even sent)."""
        async with RawPeer(url, headers) as p:
            try:
                await p.send_env(envelope(REQUEST, "rt.Svc.Count", "forged", b"forged"))
            except websockets.exceptions.ConnectionClosed:
                return True
            return await p.closed_by_peer()

    for what, headers, why in identities:
        check(run(refused(headers)), "%s: connection dropped without an answer" % what)
        check(("dropped: " + why) in svc.log(), "%s: the service says why (%r)" % (what, why))
    still_serving("the refused identities")

    # ---- 2. malformed traffic on an authenticated connection ----
    no_direction = envelope(None, "rt.Svc.Count", "bad-nodir", b"x", timeout_ms=5000)
    unknown_direction = (envelope(None, "rt.Svc.Count", "bad-dir7", b"x", timeout_ms=5000)
                         .SerializePartialToString() + b"\x20\x07")  # field 4 = 7
    bad = [
        b"\x00\x00\x00",                                        # shorter than the header
        frame(9, envelope(REQUEST, "rt.Svc.Count", "bad-type", b"x").SerializeToString()),
        struct.pack(">BI", 0, 1000) + b"abc",                   # length past the end
        "a text message",
        frame(0, b"\xff\xff\xff\xff not protobuf"),             # -> DLQ protobuf_decode
        frame(0, no_direction.SerializePartialToString()),
        frame(0, envelope(RESPONSE, "rt.Svc.Count", "bad-orphan", b"x").SerializeToString()),
        frame(0, unknown_direction),
        frame(0, envelope(REQUEST, "rt.Svc.Count", "", b"x").SerializePartialToString()),
        frame(0, envelope(TELL, "r" * 300, "bad-route", b"x").SerializeToString()),
        frame(2, b"\x0a\x03abc junk"),                          # stream lane, no stream
        frame(4, b"media junk"),                                 # media lane, no consumer
    ]

    async def malformed():
        async with RawPeer(url, source_headers(valid)) as p:
            for msg in bad:
                await p.send(msg)
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "good-1", b"good"))
            return await p.recv_env()

    r = run(malformed())
    check(r is not None and r.request_id == "good-1" and r.payload == b"count=1",
          "after %d malformed messages the same connection gets the valid request's answer, "
          "and it is the first thing it gets: %r" % (len(bad), r and (r.request_id, r.payload)))
    check([l.split(" ", 1)[1] for l in read_lines(counted)] == ["good"],
          "no malformed envelope reached the handler")
    cats = dlq_categories(mailbox + ".dlq")
    check(cats == ["protobuf_decode"], "the undecodable payload is dead-lettered: %r" % cats)
    still_serving("the malformed messages")

    # ---- 3. oversized ----
    async def oversized():
        async with RawPeer(url, source_headers(valid)) as p:
            await p.send(frame(0, b"\0" * (MAX_MESSAGE + 1)))
            try:
                await p.ws.recv()
            except websockets.exceptions.ConnectionClosed as e:
                return e.code
            return None

    code = run(oversized())
    check(code == 1009, "a message over 16 MiB closes the connection with 1009 (%s)" % code)
    still_serving("the oversized message")

    async def fresh():
        async with RawPeer(url, source_headers(valid)) as p:
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "good-2", b"good again"))
            return await p.recv_env()

    r = run(fresh())
    check(r is not None and r.payload == b"count=2", "a new raw connection is served: %r"
          % (r and r.payload))
    check(cli.stop() == 0, "client exits cleanly")
    check(svc.stop() == 0, "service exits cleanly after all of it")
finish()
