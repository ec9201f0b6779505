"""remote_timeout: a handler that sleeps past the caller's timeout gives ACTR_ETIMEDOUT (wire
10002) at the caller; the late answer is dropped as an orphan, the service stays healthy and
answers the next calls (protocol.md 8.3; engines.md 11 scenario 20: send-side validation).
"""
from node_harness import TIMED_OUT, Env, check, finish, free_port, read_lines, wait_until

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"

with Env() as env:
    env.start_actrd()
    counted = env.path("counted")
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]),
                   "--sleep-ms", "1500", "--count-file", counted)
    cli = env.node("cli", CLI, env.config("cli"))
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")

    ok, e = cli.cmd("call rt.Svc.Slow 300 late")
    check(ok is False and e[0] == "ETIMEDOUT" and e[1] == TIMED_OUT,
          "a 1.5 s handler under a 300 ms deadline -> ETIMEDOUT, wire 10002 (%s)" % (e,))

    # Queued behind the slow handler (the actor is serial); its answer must be its own, not the
    # late answer of the timed-out call, which arrives first on the same socket.
    ok, reply = cli.cmd("call rt.Svc.Echo 10000 next")
    check(ok and reply == "Echo: next", "the next call gets its own answer: %r" % reply)
    check(wait_until(lambda: read_lines(counted), 10) and read_lines(counted)[0].endswith(" late"),
          "the timed-out handler did run to its end on the service")

    ok, reply = cli.cmd("call rt.Svc.Slow 10000 patient")
    check(ok and reply == "slept patient", "a slow call with time enough succeeds: %r" % reply)

    for tmo in ("0", "-5"):
        ok, e = cli.cmd("call rt.Svc.Echo %s x" % tmo)
        check(ok is False and e[0] == "EINVAL",
              "timeout %s ms is refused by the sender with EINVAL (%s)" % (tmo, e))

    # Several deadlines in a row, then still healthy.
    for i in range(3):
        ok, e = cli.cmd("call rt.Svc.Slow 200 burst-%d" % i)
        check(ok is False and e[0] == "ETIMEDOUT", "burst call %d timed out" % i)
    ok, reply = cli.cmd("call rt.Svc.Echo 15000 after the burst")
    check(ok and reply == "Echo: after the burst", "answered after three timeouts: %r" % reply)
    check(svc.alive() and cli.alive(), "both processes still run")

    check(cli.stop() == 0, "client exits cleanly")
    check(svc.stop() == 0, "service exits cleanly")
finish()
