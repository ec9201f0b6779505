"""Rate limits (protocol.md 5, 6.1, 6.6): AIS allows 2 requests/s with a burst of 100 per IP
(HTTP 429 + Retry-After, as actrix's governor); upgrades have a per-IP connection rate (429
before the upgrade); each socket has a message rate (envelope_error 429 from signaling).
Health and metrics are never limited."""
import http.client
import socket
import time

from actrd_conf import (Actrd, Peer, actr_pb2, auth_query, check, finish, id_str, registered,
                        run, upgrade_status)


def ais_flood(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    statuses, retry_after, body_429 = [], None, None
    for _ in range(130):  # one keep-alive connection: fast enough to outrun the refill
        conn.request("POST", "/ais/register", b"\xff", {"Content-Type": "application/x-protobuf"})
        resp = conn.getresponse()
        body = resp.read()
        statuses.append(resp.status)
        if resp.status == 429 and retry_after is None:
            retry_after, body_429 = resp.getheader("Retry-After"), body
    conn.close()
    limited = statuses.count(429)
    check(statuses[:100] == [200] * 100, "the first 100 requests pass (the burst)")
    check(limited >= 20 and set(statuses) == {200, 429},
          "then 429 (%d of 130 limited)" % limited)
    check(retry_after is not None and retry_after.isdigit() and int(retry_after) >= 1,
          "429 carries Retry-After (%s)" % retry_after)
    if body_429 is not None:
        resp = actr_pb2.RegisterResponse()
        resp.ParseFromString(body_429)
        check(resp.WhichOneof("result") == "error" and resp.error.code == 429,
              "the 429 body is a RegisterResponse error 429")
    status, _, _ = srv.http("GET", "/health")
    check(status == 200, "/health is not limited")
    status, hdrs, _ = srv.http("POST", "/ais/renew", b"\x00",
                               {"Content-Type": "application/x-protobuf"})
    check(status == 429 and "retry-after" in hdrs, "renew shares the AIS bucket: 429")
    m = srv.metrics()
    check(m.get('actrd_rate_limited_total{kind="http"}', 0) >= limited,
          "metrics count limited requests")


async def connect_flood(srv, ok):
    """--set limits.ws_connect_burst=6, one used already: the sixth upgrade here gets 429."""
    query = auth_query(id_str(ok.actr_id), ok.credential)
    results = []
    for _ in range(8):
        status, headers = await upgrade_status(srv, query)
        results.append((status, headers.get("Retry-After") if headers else None))
    statuses = [s for s, _ in results]
    check(statuses[:5] == [101] * 5, "the first 5 upgrades pass (%s)" % statuses)
    check(429 in statuses[5:], "then the per-IP connection limit answers 429")
    retry = [r for s, r in results if s == 429]
    check(retry and retry[0] and retry[0].isdigit(), "with Retry-After")
    check('why="rate limited"' in srv.log(), "the refusal is logged")


async def message_flood(srv, ok):
    """--set limits.ws_msg_burst=5 --set limits.ws_msg_rate_per_sec=1: envelope_error 429."""
    p = await Peer(srv, ok).connect()
    ping = actr_pb2.Ping()
    ping.availability = actr_pb2.FULL
    ping.power_reserve = 1.0
    ping.mailbox_backlog = 0.0
    for _ in range(20):
        await p.send(p.to_server(ping=ping))
    err = await p.recv(lambda e: e.WhichOneof("flow") == "envelope_error")
    check(err is not None and err.envelope_error.code == 429,
          "a message flood is answered envelope_error 429")
    check(p.ws.open, "the socket stays open")
    m = srv.metrics()
    check(m.get('actrd_rate_limited_total{kind="ws_message"}', 0) >= 10,
          "metrics count the refused messages")
    await p.close()


def idle_reaping(srv, ok):
    """--set limits.ws_idle_secs=2: a socket that upgrades and then never answers is dropped."""
    query = auth_query(id_str(ok.actr_id), ok.credential)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(("GET /signaling/ws?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n" % query).encode())
        head = s.recv(4096)
        check(head.startswith(b"HTTP/1.1 101"), "a raw client upgrades")
        start = time.monotonic()
        closed = False
        while time.monotonic() - start < 10:  # reads the idle Ping, never answers it
            if not s.recv(4096):
                closed = True
                break
        waited = time.monotonic() - start
    check(closed and 1.5 <= waited < 8, "the silent socket is dropped (after %.1f s)" % waited)
    check(srv.metrics().get("actrd_ws_connections") == 0, "and its slot is free")


async def main():
    with Actrd() as srv:
        srv.init()
        srv.start()
        ais_flood(srv)
        check(srv.stop() == 0, "clean exit")
    with Actrd() as srv:
        srv.init()
        srv.start("--set", "limits.ws_connect_burst=6",
                  "--set", "limits.ws_connect_rate_per_sec=0.1",
                  "--set", "limits.ws_msg_burst=5", "--set", "limits.ws_msg_rate_per_sec=1")
        ok = registered(srv, "acme", "flood")
        await message_flood(srv, ok)  # uses one upgrade
        await connect_flood(srv, ok)
        check(srv.stop() == 0, "clean exit")
        srv.start("--set", "limits.ws_idle_secs=2")
        idle_reaping(srv, ok)
        check(srv.stop() == 0, "clean exit")
        check("Sanitizer" not in srv.log(), "no sanitizer report")
    finish()


run(main())
