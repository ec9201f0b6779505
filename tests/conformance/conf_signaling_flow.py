"""The happy path against a real actrd, as an actr node sees it (protocol.md 5, 6, 7.1-7.3):
LINKED registration with the realm secret, connect with query auth, heartbeat, discovery between
two actors whose ACLs allow each other, role negotiation, relayed SDP and ICE, renewal,
unregistration, health and metrics, and SIGTERM closing sockets with 1001 and exiting 0."""
import time

from actrd_conf import (Actrd, Peer, actr_pb2, check, finish, id_str, registered, run,
                        webrtc_pb2)

CALLER = ("acme", "caller", "1.0.0")
CALLEE = ("acme", "callee", "1.0.0")


def claims_of(credential):
    claims = actr_pb2.IdentityClaims()
    claims.ParseFromString(credential.claims)
    return claims


async def discovery(a, b):
    req = actr_pb2.RouteCandidatesRequest()
    req.target_type.CopyFrom(b.id.type)
    req.criteria.candidate_count = 1
    req.client_fingerprint = ""
    reply = await a.request(route_candidates_request=req)
    check(reply is not None and reply.WhichOneof("flow") == "server_to_actr",
          "route candidates answered with reply_for")
    res = reply.server_to_actr.route_candidates_response
    check(res.WhichOneof("result") == "success", "route candidates succeed")
    cands = [id_str(c) for c in res.success.candidates]
    check(cands == [id_str(b.id)], "the callee is the one candidate (%s)" % cands)


async def negotiation(a, b):
    neg = actr_pb2.RoleNegotiation()
    getattr(neg, "from").CopyFrom(a.id)
    neg.to.CopyFrom(b.id)
    neg.realm_id = a.id.realm.realm_id
    await a.send(a.relay(b.id, role_negotiation=neg))
    is_assign = lambda e: (e.WhichOneof("flow") == "actr_relay" and  # noqa: E731
                           e.actr_relay.WhichOneof("payload") == "role_assignment")
    ra, rb = await a.recv(is_assign), await b.recv(is_assign)
    check(ra is not None and rb is not None, "both sides get a role_assignment")
    if ra and rb:
        check(ra.actr_relay.role_assignment.is_offerer != rb.actr_relay.role_assignment.is_offerer,
              "the two assignments are opposite")
        # The callee asked to answer (webrtc_role=answer), so the caller offers.
        check(ra.actr_relay.role_assignment.is_offerer, "the caller offers")
        check(not ra.HasField("reply_for") and ra.envelope_id != rb.envelope_id,
              "assignments are fresh envelopes")


async def relays(a, b):
    sdp = webrtc_pb2.SessionDescription()
    sdp.type = webrtc_pb2.SessionDescription.OFFER
    sdp.sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n" + "a=x\r\n" * 200  # > one 4 KiB read
    sdp.sdp_exchange_id = "xchg-1"
    sent = a.relay(b.id, session_description=sdp)
    await a.send(sent)
    got = await b.recv(lambda e: e.WhichOneof("flow") == "actr_relay" and
                       e.actr_relay.WhichOneof("payload") == "session_description")
    check(got is not None, "the offer reaches the callee")
    if got:
        r = got.actr_relay
        check(r.session_description == sdp, "the offer arrives unchanged")
        check(id_str(r.source) == id_str(a.id), "its source is the caller")
        check(got.envelope_id != sent.envelope_id and not got.HasField("reply_for"),
              "it is wrapped in a new envelope")
    ice = webrtc_pb2.IceCandidate()
    ice.candidate = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host"
    ice.sdp_mline_index = 0
    ice.username_fragment = "ufrag"
    await b.send(b.relay(a.id, ice_candidate=ice))
    got = await a.recv(lambda e: e.WhichOneof("flow") == "actr_relay" and
                       e.actr_relay.WhichOneof("payload") == "ice_candidate")
    check(got is not None and got.actr_relay.ice_candidate == ice,
          "an ICE candidate travels back to the caller")


async def renewal(srv, a):
    status, resp = srv.renew(a.id, a.ok.renewal_token)
    check(status == 200 and resp.WhichOneof("result") == "success", "renew answers 200 success")
    if resp.WhichOneof("result") == "success":
        ok = resp.success
        check(id_str(ok.actr_id) == id_str(a.id), "renew keeps the ActrId")
        check(claims_of(ok.credential).actor_id == id_str(a.id), "renewed claims name the actor")
        check(len(ok.renewal_token) == 32 and ok.HasField("renewal_token_expires_at"),
              "renew hands out a renewal token")
        a.ok.credential.CopyFrom(ok.credential)
        pong = await a.ping()
        check(pong is not None and pong.server_to_actr.WhichOneof("payload") == "pong",
              "the renewed credential is accepted on the socket")
    status, resp = srv.renew(a.id, b"\x00" * 32)
    check(status == 401 and resp.WhichOneof("result") == "error" and resp.error.code == 401,
          "a wrong renewal token gets HTTP 401 mirroring error 401 (got %d)" % status)


async def main():
    with Actrd() as srv:
        srv.init()
        srv.start()
        ok_a = registered(srv, *CALLER, allow=[CALLEE])
        ok_b = registered(srv, *CALLEE, allow=[CALLER])
        check(ok_a.actr_id.realm.realm_id == srv.realm_id, "the ActrId is in the realm")
        check(claims_of(ok_a.credential).actor_id == id_str(ok_a.actr_id),
              "claims.actor_id is the ActrId string")
        check(len(ok_a.signing_pubkey) == 32 and len(ok_a.credential.signature) == 64,
              "a 32-byte signing key and a 64-byte signature")

        a = await Peer(srv, ok_a, "caller").connect()
        b = await Peer(srv, ok_b, "callee").connect(role="answer")
        pong = await a.ping()
        check(pong is not None and pong.server_to_actr.WhichOneof("payload") == "pong",
              "Ping is answered with Pong (reply_for)")
        if pong:
            check(abs(pong.server_to_actr.pong.seq - time.time()) < 60, "Pong.seq is Unix time")
        await b.ping()
        # WebSocket-level Ping (the node sends one every 5 s) gets a Pong.
        waiter = await a.ws.ping(b"actr-signaling-probe-1")
        try:
            import asyncio
            await asyncio.wait_for(waiter, 5)
            check(True, "WebSocket Ping answered")
        except Exception:  # noqa: BLE001
            check(False, "WebSocket Ping answered")

        await discovery(a, b)
        await negotiation(a, b)
        await relays(a, b)
        await renewal(srv, a)

        unreg = actr_pb2.UnregisterRequest()
        unreg.actr_id.CopyFrom(a.id)
        unreg.reason = "Graceful shutdown"
        reply = await a.request(unregister_request=unreg)
        check(reply is not None and
              reply.server_to_actr.WhichOneof("payload") == "unregister_response",
              "unregister answered")

        for path, service in (("/health", "actrd"), ("/ais/health", "ais"),
                              ("/signaling/health", "signaling")):
            status, hdrs, body = srv.http("GET", path)
            check(status == 200 and b'"status":"ok"' in body and service.encode() in body,
                  "GET %s" % path)
        m = srv.metrics()
        check(m.get('actrd_ais_registrations_total{result="ok"}') == 2, "metrics: 2 registrations")
        check(m.get('actrd_ais_renewals_total{result="ok"}') == 1, "metrics: 1 renewal")
        check(m.get("actrd_ws_connections") == 2, "metrics: 2 open sockets")
        check(m.get("actrd_signaling_relays_total", 0) >= 2, "metrics: relays counted")
        check(m.get('actrd_http_responses_total{route="ais_renew",code="401"}') == 1,
              "metrics: the 401 renewal by route and code")

        code = srv.stop()
        check(code == 0, "SIGTERM exits 0 (got %s)" % code)
        check(await a.close_code(3) == 1001 and await b.close_code(3) == 1001,
              "open sockets are closed with 1001 on shutdown")
        log = srv.log()
        check("Sanitizer" not in log, "no sanitizer report")
        check("signaling connected" in log and id_str(ok_a.actr_id) in log,
              "the log names who connected")
    finish()


run(main())
