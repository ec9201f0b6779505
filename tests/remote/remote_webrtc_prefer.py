"""remote_webrtc_prefer: the default route rule with WebRTC on (ACTR_WEBRTC_MODE=prefer, the
runtime's default; host candidates on 127.0.0.1 only).

The service also listens for direct WebSocket peers. The client's first call goes over the
WebSocket and starts WebRTC setup meanwhile (roles and offer/answer through actrd's relays, which
need each side's ACL to admit the other, protocol.md 9.4). Once both sides report
on_webrtc_connected, later calls prefer the data channel and replies come back on the caller's
RPC_RELIABLE channel. Every call and tell still arrives exactly once (nothing is delivered
twice by the two paths), answers match their calls, and both processes stop cleanly.
"""
from node_harness import Env, check, finish, free_port, read_lines, wait_until

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
RTC = {"ACTR_WEBRTC_MODE": "prefer", "ACTR_WEBRTC_LOCAL_ADDRESSES": "127.0.0.1"}
N = 20

with Env() as env:
    env.start_actrd()
    counted = env.path("counted")
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]),
                   "--count-file", counted, extra_env=RTC)
    cli = env.node("cli", CLI, env.config("cli", allow=[SVC]), extra_env=RTC)
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")
    ok, reply = cli.cmd("call rt.Svc.Echo 10000 first")
    check(ok and reply == "Echo: first", "first call answered (direct WebSocket): %r" % reply)

    for n, peer in ((cli, svc), (svc, cli)):
        line = n.next_line(lambda l: l.startswith("hook on_webrtc_connected ") and
                           ("peer=" + peer.id + " ") in l, 30)
        check(line is not None, "%s reports WebRTC connected to %s" % (n.name, peer.name))

    answers = [cli.cmd("call rt.Svc.Echo 10000 rtc-%d" % i) for i in range(N)]
    check(all(ok and reply == "Echo: rtc-%d" % i for i, (ok, reply) in enumerate(answers)),
          "%d calls after WebRTC is up each get their own answer" % N)
    ok, _ = cli.cmd("tells rt.Svc.Count %d rtc-tell" % N)
    check(ok, "%d tells sent" % N)
    ok, reply = cli.cmd("call rt.Svc.Count 10000 last")
    check(ok and reply == "count=%d" % (N + 1), "the call after the tells sees all of them once: %r"
          % reply)
    lines = wait_until(lambda: len(read_lines(counted)) >= N + 1 and read_lines(counted), 10)
    payloads = [l.split(" ", 1)[1] for l in read_lines(counted)]
    check(sorted(payloads) == sorted(["rtc-tell-%d" % i for i in range(N)] + ["last"]),
          "every tell handled exactly once (%d lines)" % len(payloads))

    check(cli.stop() == 0, "client exits cleanly")
    check(svc.stop() == 0, "service exits cleanly")
finish()
