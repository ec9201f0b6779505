"""What actrd refuses, and how (protocol.md 5.1, 6.1, 6.2): undecodable and wrongly
authenticated registrations, every way an upgrade's query credential can be wrong (HTTP 401 and
no upgrade), expired credentials, oversized messages (close 1009), text frames (ignored), other
paths and methods, oversized request bodies (413)."""
import base64
import socket
import time
import urllib.parse

from actrd_conf import (Actrd, Peer, actr_pb2, auth_query, check, finish, id_str,
                        register_request, registered, run, upgrade_status)


def registration_errors(srv):
    headers = {"Content-Type": "application/x-protobuf"}
    status, _, body = srv.http("POST", "/ais/register", b"\xff\xff\xff", headers)
    resp = actr_pb2.RegisterResponse()
    resp.ParseFromString(body)
    check(status == 200 and resp.WhichOneof("result") == "error" and resp.error.code == 400,
          "undecodable RegisterRequest: HTTP 200 with error 400")
    req = register_request(srv.realm_id, "acme", "echo", "1.0.0")
    status, resp = srv.register(req, "rs_" + "A" * 32)
    check(status == 200 and resp.WhichOneof("result") == "error" and resp.error.code == 403,
          "wrong realm secret: error 403")
    status, resp = srv.register(req, None)
    check(status == 200 and resp.WhichOneof("result") == "error" and resp.error.code == 403,
          "missing realm secret on a LINKED registration: error 403")
    status, resp = srv.register(req, "  " + srv.secret + "  ")
    check(status == 200 and resp.WhichOneof("result") == "success",
          "the secret header is trimmed")
    m = srv.metrics()
    check(m.get('actrd_ais_errors_total{op="register",code="403"}') == 2 and
          m.get('actrd_ais_errors_total{op="register",code="400"}') == 1,
          "metrics count register errors by code")


def http_errors(srv):
    status, hdrs, _ = srv.http("GET", "/nowhere")
    check(status == 404 and hdrs.get("content-type") == "application/json", "unknown path: 404")
    status, _, _ = srv.http("GET", "/ais/register")
    check(status == 405, "GET on a POST route: 405")
    # Only the headers are sent: the answer must not wait for a body it will not read.
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(b"POST /ais/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/x-protobuf\r\nContent-Length: 1048577\r\n\r\n")
        answer = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    check(answer.startswith(b"HTTP/1.1 413") and b"connection: close" in answer.lower(),
          "a body over 1 MiB: 413 at once, and the connection closes")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(b"POST /ais/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        answer = s.recv(4096)
    check(answer.startswith(b"HTTP/1.1 411"), "a chunked body without length: 411")
    status, _, body = srv.http("POST", "/ais/renew", b"",
                               {"Content-Type": "application/x-protobuf"})
    check(status == 400, "an empty renewal: 400 (got %d)" % status)
    status, hdrs, body = srv.http("GET", "/mfr/nobody/verifying_key?key_id=mfr-0000000000000000")
    check(status == 404 and hdrs.get("content-type", "").startswith("application/json"),
          "unknown manufacturer key: 404 JSON (got %d)" % status)


async def upgrade_refusals(srv, ok, other):
    me = id_str(ok.actr_id)
    cred = ok.credential
    good = auth_query(me, cred)
    status, _ = await upgrade_status(srv, "")
    check(status == 401, "no query: 401")
    for missing in ("actor_id", "key_id", "claims", "signature"):
        q = urllib.parse.urlencode([(k, v) for k, v in urllib.parse.parse_qsl(good)
                                    if k != missing])
        status, _ = await upgrade_status(srv, q)
        check(status == 401, "no %s: 401" % missing)
    forged = bytearray(cred.signature)
    forged[0] ^= 1
    q = urllib.parse.urlencode([("actor_id", me), ("key_id", str(cred.key_id)),
                                ("claims", base64.b64encode(cred.claims).decode()),
                                ("signature", base64.b64encode(bytes(forged)).decode())])
    status, _ = await upgrade_status(srv, q)
    check(status == 401, "forged signature: 401")
    q = good.replace("key_id=%d" % cred.key_id, "key_id=%d" % (cred.key_id + 100))
    status, _ = await upgrade_status(srv, q)
    check(status == 401, "unknown key id: 401")
    # A valid credential presented under another actor's name (claims.actor_id != actor_id).
    status, _ = await upgrade_status(srv, auth_query(id_str(other.actr_id), cred))
    check(status == 401, "claims of another actor: 401")
    # '+' and '/' in base64 must be percent-encoded; sent raw, '+' decodes to a space.
    raw = "actor_id=%s&key_id=%d&claims=%s&signature=%s" % (
        urllib.parse.quote(me, safe=""), cred.key_id, base64.b64encode(cred.claims).decode(),
        base64.b64encode(cred.signature).decode())
    if "+" in raw:
        status, _ = await upgrade_status(srv, raw)
        check(status == 401, "unencoded '+' in base64: 401")
    status, _ = await upgrade_status(srv, good, path="/elsewhere")
    check(status == 404, "upgrade on another path: 404")
    status, _ = await upgrade_status(srv, good)
    check(status == 101, "the same query, well-formed, upgrades")
    m = srv.metrics()
    check(m.get('actrd_ws_upgrades_refused_total{reason="bad_query"}', 0) >= 5 and
          m.get('actrd_ws_upgrades_refused_total{reason="bad_credential"}', 0) >= 2 and
          m.get('actrd_ws_upgrades_refused_total{reason="actor_mismatch"}') == 1,
          "metrics count refusals by reason")
    log = srv.log()
    check('why="bad credential"' in log and 'why="actor mismatch"' in log,
          "refusals are logged with their reason")


async def frames(srv, ok):
    p = await Peer(srv, ok).connect()
    await p.ws.send("a text frame is ignored")
    pong = await p.ping()
    check(pong is not None and pong.server_to_actr.WhichOneof("payload") == "pong",
          "after a text frame the socket still works")
    await p.ws.send(b"\x0a\xff")  # not a SignalingEnvelope: answered or dropped, never fatal
    pong = await p.ping()
    check(pong is not None, "after an undecodable frame the socket still works")
    await p.ws.send(b"\x00" * (1024 * 1024 + 1))
    code = await p.close_code()
    check(code == 1009, "a message over 1 MiB closes the socket with 1009 (got %s)" % code)
    # Just under the cap is delivered (and refused by signaling as undecodable, not closed).
    p2 = await Peer(srv, ok).connect()
    await p2.ws.send(b"\x00" * (1024 * 1024 - 16))
    pong = await p2.ping()
    check(pong is not None, "a message just under the cap keeps the socket open")
    await p2.close()


async def expired():
    """A server whose credentials live 1 s: the upgrade after expiry is refused with 401."""
    with Actrd() as srv:
        srv.init()
        srv.start("--set", "ais.token_ttl_secs=1")
        ok = registered(srv, "acme", "short", allow=[("acme", "short", "1.0.0")])
        p = await Peer(srv, ok).connect()
        time.sleep(2.2)
        status, _ = await upgrade_status(srv, auth_query(id_str(ok.actr_id), ok.credential))
        check(status == 401, "an expired credential is refused with 401 before the upgrade")
        reply = await p.ping()
        check(reply is not None and reply.server_to_actr.WhichOneof("payload") == "error" and
              reply.server_to_actr.error.code == 401,
              "a Ping with the expired credential gets error 401")
        m = srv.metrics()
        check(m.get('actrd_ws_upgrades_refused_total{reason="expired"}') == 1,
              "metrics: the expired refusal")
        await p.close()
        check(srv.stop() == 0, "clean exit")


async def main():
    with Actrd() as srv:
        srv.init()
        srv.start()
        registration_errors(srv)
        http_errors(srv)
        ok = registered(srv, "acme", "echo", allow=[("acme", "echo", "1.0.0")])
        other = registered(srv, "acme", "other")
        await upgrade_refusals(srv, ok, other)
        await frames(srv, ok)
        code = srv.stop()
        check(code == 0, "SIGTERM exits 0 (got %s)" % code)
        check("Sanitizer" not in srv.log(), "no sanitizer report")
    await expired()
    finish()


run(main())
