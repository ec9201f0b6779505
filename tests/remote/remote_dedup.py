"""remote_dedup: receiver dedup at the node level (engines.md 11 scenario 21, runtime.md 7.2).

A raw direct-WebSocket dialler with a real AIS credential sends envelopes with request ids of
its choosing (the C API always makes fresh ones) to a service process:
- the same request id twice: the handler runs once, both answers carry the first result;
- a fresh id with the same payload runs again (dedup is by id, not by content);
- a duplicate arriving while the original is still in its handler waits for it and gets the
  same answer, the handler still runs once;
- a duplicate tell is dropped; a tell gets no reply at all;
- the cache is keyed by request id only, so a resend on a new connection is answered from it.
"""
from node_harness import (REQUEST, TELL, Env, RawPeer, check, envelope, finish, free_port,
                          read_lines, registered, run, source_headers)

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"


def payloads(path):
    return [l.split(" ", 1)[1] for l in read_lines(path)]


with Env() as env:
    server = env.start_actrd()
    counted = env.path("counted")
    ws_port = free_port()
    svc = env.node("svc", SVC, env.config("svc", ws_port=ws_port, allow=[CLI]),
                   "--count-file", counted, "--sleep-ms", "800")
    url = "ws://127.0.0.1:%d" % ws_port
    ident = source_headers(registered(server, "acme", "RtClient"))

    async def scenario():
        async with RawPeer(url, ident) as p:
            # Completed duplicate.
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "dup-a", b"a"))
            r1 = await p.recv_env()
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "dup-a", b"a"))
            r2 = await p.recv_env()
            check(r1 is not None and r1.request_id == "dup-a" and r1.payload == b"count=1",
                  "first request answered: %r" % (r1 and r1.payload))
            check(r2 is not None and r2.request_id == "dup-a" and r2.payload == b"count=1",
                  "the duplicate gets the cached answer count=1: %r" % (r2 and r2.payload))
            check(payloads(counted) == ["a"], "the handler ran once for dup-a")

            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "dup-b", b"a"))
            r = await p.recv_env()
            check(r is not None and r.payload == b"count=2",
                  "same payload under a fresh id runs again: %r" % (r and r.payload))

            # In-flight duplicate: the second copy arrives while the 800 ms handler runs.
            await p.send_env(envelope(REQUEST, "rt.Svc.Slow", "dup-c", b"c"))
            await p.send_env(envelope(REQUEST, "rt.Svc.Slow", "dup-c", b"c"))
            got = [await p.recv_env(), await p.recv_env()]
            check(all(g is not None and g.request_id == "dup-c" and g.payload == b"slept c"
                      for g in got),
                  "both copies of an in-flight request get the original's answer: %r"
                  % [g and g.payload for g in got])
            check(payloads(counted).count("c") == 1, "the slow handler ran once for dup-c")

            # Duplicate tell, then a request: the first frame back must be the request's answer
            # (the actor is serial, so a reply to a tell would have come first).
            await p.send_env(envelope(TELL, "rt.Svc.Count", "dup-d", b"d"))
            await p.send_env(envelope(TELL, "rt.Svc.Count", "dup-d", b"d"))
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "dup-e", b"e"))
            r = await p.recv_env()
            check(r is not None and r.request_id == "dup-e" and r.payload == b"count=4",
                  "tells got no reply; the duplicate tell did not run (count=4 is e's): %r"
                  % ((r and (r.request_id, r.payload)),))
        # A new connection, same request id: still the cached answer.
        async with RawPeer(url, ident) as p:
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "dup-a", b"a"))
            r = await p.recv_env()
            check(r is not None and r.request_id == "dup-a" and r.payload == b"count=1",
                  "resend on a new connection answered from the cache: %r" % (r and r.payload))

    run(scenario())
    check(payloads(counted) == ["a", "a", "c", "d", "e"],
          "handler runs: a, a (fresh id), c, d, e - each once: %r" % payloads(counted))
    check(svc.stop() == 0, "service exits cleanly")
finish()
