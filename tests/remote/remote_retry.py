"""remote_retry: delivery semantics of outbound calls and tells (docs/RUNTIME.md 6.3).

1. Flaky peer (engines.md 11 scenario 22 end to end): the service dies (kill -9) and comes back
   on the same address only after the WebSocket dialler's own three connect attempts (0, 2, 6 s)
   are spent. A call (30 s deadline) and a tell (13 s send budget) made while it is down are
   re-sent by the lane's retry policy (RPC_RELIABLE: backoff 1 s, 2 s, ...) with the same request
   id and arrive once it is back; without sender retries both would end at about 6 s.
2. Fail fast (runtime.md 10.1): the service dies while it is handling a call; the caller gets
   Unavailable "connection closed ..." (10001) at once instead of TimedOut (10002) at its 30 s
   deadline, and the call is not re-sent.
"""
import signal
import time

from node_harness import (UNAVAILABLE, Env, check, finish, free_port, read_lines, say,
                          wait_until)

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
RESTART_AFTER = 7.5  # past the dialler's own attempts at 0, 2 and 6 s

with Env() as env:
    env.start_actrd()
    counted = env.path("counted")
    port = free_port()
    svc_cfg = env.config("svc", ws_port=port, allow=[CLI])
    svc = env.node("svc", SVC, svc_cfg, "--count-file", counted)
    cli = env.node("cli", CLI, env.config("cli"), extra_env={"ACTR_LOG": "debug"})
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")
    ok, reply = cli.cmd("call rt.Svc.Echo 10000 warm")
    check(ok and reply == "Echo: warm", "a first call works: %r" % reply)

    # ---- 1. flaky peer ----
    check(svc.stop(signal.SIGKILL) is not None, "service killed")
    t0 = time.monotonic()
    ok, _ = cli.cmd("tell rt.Svc.Count told-while-down")
    check(ok, "a tell to the dead service is accepted (queued for delivery)")
    cli.send("call rt.Svc.Echo 30000 called-while-down")
    time.sleep(RESTART_AFTER)
    svc = env.node("svc2", SVC, svc_cfg, "--count-file", counted)
    ok, reply = cli.answer(timeout=45)
    elapsed = time.monotonic() - t0
    say("call answered after %.1f s" % elapsed)
    check(ok and reply == "Echo: called-while-down",
          "the call made while the service was down succeeded once it was back: %r" % (reply,))
    check(elapsed >= RESTART_AFTER, "... which needed the service back (%.1f s)" % elapsed)
    check("send failed, retrying" in cli.log(),
          "the client retried the send (its log says so)")
    check(wait_until(lambda: any(l.endswith(" told-while-down") for l in read_lines(counted)), 30),
          "the tell made while the service was down was delivered after the restart")
    check(len([l for l in read_lines(counted) if l.endswith(" told-while-down")]) == 1,
          "... exactly once")

    # ---- 2. fail fast when the connection carrying a call dies ----
    svc.stop()
    svc = env.node("svc3", SVC, svc_cfg, "--sleep-ms", "20000", "--count-file", counted)
    ok, reply = cli.cmd("call rt.Svc.Echo 15000 before")
    check(ok and reply == "Echo: before", "the new service answers: %r" % (reply,))
    cli.send("call rt.Svc.Slow 30000 doomed")
    time.sleep(1.0)
    check(svc.stop(signal.SIGKILL) is not None, "service killed while handling a call")
    ok, e = cli.answer(timeout=45)
    check(ok is False and e[0] == "EUNAVAILABLE" and e[1] == UNAVAILABLE and "closed" in e[2],
          "the pending call failed at once with Unavailable 'connection closed' (%s)" % (e,))

    check(cli.alive(), "the client still runs")
    check(cli.stop() == 0, "client exits cleanly")
finish()
