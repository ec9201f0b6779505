"""One socket per ActrId (protocol.md 6.1, 6.5): a second connection of the same actor closes
the first with 1008 "displaced by new connection"; relays from the displaced socket never reach
anyone; relays to an actor without a socket are dropped; the new socket carries on."""
import asyncio

from actrd_conf import (Actrd, Peer, actr_pb2, check, finish, id_str, registered, run,
                        webrtc_pb2)

A = ("acme", "alpha", "1.0.0")
B = ("acme", "beta", "1.0.0")


def offer(text):
    sdp = webrtc_pb2.SessionDescription()
    sdp.type = webrtc_pb2.SessionDescription.OFFER
    sdp.sdp = text
    sdp.sdp_exchange_id = text
    return sdp


def is_sdp(text):
    return lambda e: (e.WhichOneof("flow") == "actr_relay" and
                      e.actr_relay.WhichOneof("payload") == "session_description" and
                      e.actr_relay.session_description.sdp == text)


async def main():
    with Actrd() as srv:
        srv.init()
        srv.start()
        ok_a = registered(srv, *A, allow=[B])
        ok_b = registered(srv, *B, allow=[A])
        a1 = await Peer(srv, ok_a, "a1").connect()
        b = await Peer(srv, ok_b, "b").connect()
        check(await a1.ping() is not None, "the first socket works")

        a2 = await Peer(srv, ok_a, "a2").connect()
        # Sent right after the new socket is up: the old one may not have seen its close yet.
        try:
            await a1.send(a1.relay(b.id, session_description=offer("from-displaced")))
        except Exception:  # noqa: BLE001 - already closed: nothing can arrive either
            pass
        try:
            await asyncio.wait_for(a1.ws.wait_closed(), 10)
        except asyncio.TimeoutError:
            pass
        code = a1.ws.close_code
        check(code == 1008, "the older socket is closed with 1008 (got %s)" % code)
        check(a1.ws.close_reason == "displaced by new connection",
              "close reason: %r" % a1.ws.close_reason)

        await a2.send(a2.relay(b.id, session_description=offer("from-current")))
        got = await b.recv(is_sdp("from-current"))
        check(got is not None, "a relay from the current socket arrives")
        stray = await b.recv(is_sdp("from-displaced"), timeout=1.0)
        check(stray is None, "the relay from the displaced socket was dropped")

        # A relay to an actor that has no socket is dropped (and nobody hears about it).
        ghost = actr_pb2.ActrId()
        ghost.CopyFrom(b.id)
        ghost.serial_number = b.id.serial_number + 12345
        await a2.send(a2.relay(ghost, session_description=offer("to-ghost")))
        back = await a2.recv(lambda e: True, timeout=1.0)
        check(back is None or back.WhichOneof("flow") != "actr_relay",
              "nothing comes back for a relay to an unknown target")
        stray = await b.recv(is_sdp("to-ghost"), timeout=0.5)
        check(stray is None, "it is not delivered to another actor")

        pong = await a2.ping()
        check(pong is not None and pong.server_to_actr.WhichOneof("payload") == "pong",
              "the new socket keeps working")
        req = actr_pb2.RouteCandidatesRequest()
        req.target_type.CopyFrom(a2.id.type)
        req.criteria.candidate_count = 10
        req.client_fingerprint = ""
        reply = await b.request(route_candidates_request=req)
        cands = [id_str(c) for c in
                 reply.server_to_actr.route_candidates_response.success.candidates]
        check(cands == [id_str(a2.id)], "discovery sees the actor once (%s)" % cands)

        m = srv.metrics()
        check(m.get("actrd_signaling_displaced_total") == 1, "metrics: one displacement")
        check(m.get('actrd_ws_closes_total{code="1008"}') == 1, "metrics: one 1008 close")
        check(m.get('actrd_signaling_relays_dropped_total{reason="no_target"}') == 1,
              "metrics: the relay to nobody")
        check(m.get("actrd_ws_connections") == 2, "metrics: two sockets remain")
        check(srv.stop() == 0, "SIGTERM exits 0")
        check("Sanitizer" not in srv.log(), "no sanitizer report")
    finish()


run(main())
