"""remote_load: several callers at once, many calls in flight, large payloads (protocol.md 8.3,
8.8; runtime.md 9.2, 10.1).

Three client processes call one service at the same time, each with 200 asynchronous calls in
flight at once and then 50 calls in a row; every answer must be the echo of its own payload, so
a response delivered to the wrong caller or the wrong pending entry fails the test. Then
payloads of 1 MiB and 12 MiB (the direct WebSocket carries up to 16 MiB in one message) come
back byte-exact, and 17 MiB is refused by the sender (ETOOBIG, wire 10005) without harm. The
service answers every call once and all processes stop cleanly.
"""
from node_harness import Env, check, finish, free_port

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
ASYNC, SYNC = 200, 50

with Env() as env:
    env.start_actrd()
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]))
    clients = [env.node("cli%d" % i, CLI, env.config("cli%d" % i)) for i in range(3)]
    for c in clients:
        ok, found = c.cmd("discover " + SVC)
        check(ok and found == svc.id, "%s discovered the service" % c.name)

    for c in clients:  # all three at once
        c.send("acalls rt.Svc.Echo 60000 %d %s-async" % (ASYNC, c.name))
    for c in clients:
        ok, n = c.answer(90)
        check(ok and n == str(ASYNC), "%s: %d calls in flight at once, each answered with its own "
              "echo (%s)" % (c.name, ASYNC, n))
    for c in clients:
        c.send("calls rt.Svc.Echo 30000 %d %s-sync" % (SYNC, c.name))
    for c in clients:
        ok, n = c.answer(90)
        check(ok and n == str(SYNC), "%s: %d calls in a row answered (%s)" % (c.name, SYNC, n))

    for size in (1 << 20, 12 << 20):
        ok, n = clients[0].cmd("callbig rt.Svc.Echo 60000 %d" % size, 90)
        check(ok and n == str(size), "a %d-byte payload comes back byte-exact (%s)" % (size, n))

    # Over the limit: refused by the sender itself (the frame is never sent), nothing breaks.
    ok, e = clients[0].cmd("callbig rt.Svc.Echo 60000 %d" % (17 << 20), 90)
    check(ok is False and e[0] == "ETOOBIG" and e[1] == 10005,
          "a 17 MiB payload is refused by the sender: ETOOBIG, wire 10005 (%s)" % (e,))
    ok, n = clients[0].cmd("callbig rt.Svc.Echo 60000 4096")
    check(ok and n == "4096", "the same client and service go on working")

    for c in clients + [svc]:
        check(c.stop() == 0, "%s exits cleanly" % c.name)
finish()
