"""remote_dedup_wait: how long a duplicate of an in-flight request waits (runtime.md 7.1 step 3:
"wait for the original's result up to timeout_ms (or 30 s if <= 0)"; engines.md 11 scenario
21: "bounded by its timeout_ms, else 30 s").

1. Bound: the original's handler is blocked (it waits for a file); a duplicate with
   timeout_ms 500 must be answered TimedOut (10002) without waiting for the original; once the
   handler is released, the original's own answer still arrives and the handler ran once.
2. Shutdown: a duplicate waits for an original that is still queued behind a blocked tell when
   the service is stopped. Whatever the original's fate (run while the actor drains, or put back
   into the mailbox), the wait must end with the node: it stops cleanly (under ASan: nothing
   leaked), and the duplicate never gets a success the handler did not produce.
"""
import os
import time

from node_harness import (REQUEST, TELL, TIMED_OUT, Env, RawPeer, check, envelope, finish,
                          free_port, read_lines, registered, run, source_headers)

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"


def touch(path):
    with open(path, "w"):
        pass


with Env() as env:
    server = env.start_actrd()
    ident = source_headers(registered(server, "acme", "RtClient"))

    # ---- 1. the duplicate's wait is bounded by its own timeout_ms ----
    counted, go = env.path("counted"), env.path("go")
    ws_port = free_port()
    url = "ws://127.0.0.1:%d" % ws_port
    svc = env.node("svc", SVC, env.config("svc", ws_port=ws_port, allow=[CLI]),
                   "--count-file", counted, "--block-until", go)

    async def bound():
        async with RawPeer(url, ident) as p:
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "w-1", b"orig", timeout_ms=60000))
            blocked = svc.next_line(lambda l: l == "blocked orig", 20) is not None
            check(blocked, "the original is inside its (blocked) handler")
            t0 = time.monotonic()
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "w-1", b"orig", timeout_ms=500))
            first = await p.recv_env(timeout=10)
            waited = time.monotonic() - t0
            touch(go)
            second = await p.recv_env()
            return first, waited, second

    first, waited, second = run(bound())
    check(first is not None and first.request_id == "w-1" and first.HasField("error") and
          first.error.code == TIMED_OUT,
          "the duplicate is answered TimedOut (10002) while the original still runs "
          "(got %r after %.1f s)" % (first and (first.error.code, first.payload), waited))
    check(second is not None and second.request_id == "w-1" and second.payload == b"count=1",
          "the original's own answer follows once its handler returns: %r"
          % (second and second.payload))
    check(len(read_lines(counted)) == 1, "the handler ran once")
    check(svc.stop() == 0, "service exits cleanly")

    # ---- 2. stopping while a duplicate waits for a queued original ----
    counted2, go2 = env.path("counted2"), env.path("go2")
    ws_port = free_port()
    url = "ws://127.0.0.1:%d" % ws_port
    svc2 = env.node("svc2", SVC, env.config("svc2", ws_port=ws_port, allow=[CLI]),
                    "--count-file", counted2, "--block-until", go2)

    async def stop_while_waiting():
        async with RawPeer(url, ident) as p:
            await p.send_env(envelope(TELL, "rt.Svc.Count", "s-tell", b"first"))
            check(svc2.next_line(lambda l: l == "blocked first", 20) is not None,
                  "a tell holds the actor")
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "s-1", b"queued",
                                      timeout_ms=60000))
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "s-1", b"queued",
                                      timeout_ms=60000))
            time.sleep(0.5)  # lets both reach the service; no assertion depends on it
            svc2.proc.terminate()
            time.sleep(0.5)
            touch(go2)
            return await p.recv_env(timeout=20)

    r = run(stop_while_waiting())
    code = svc2.stop()
    check(code == 0, "the service stops cleanly with a duplicate waiting (exit %s)" % code)
    check(os.path.exists(counted2) and read_lines(counted2)[0].endswith(" first"),
          "the tell it was running finished")
    ran = [l.split(" ", 1)[1] for l in read_lines(counted2)].count("queued")
    check(ran <= 1, "the original ran at most once (%d)" % ran)
    check(r is None or r.HasField("error") or (ran == 1 and r.payload == b"count=2"),
          "the waiting duplicate gets nothing, an error, or the original's own result: %r"
          % ((r and (r.request_id, r.payload, r.error.code)),))
finish()
