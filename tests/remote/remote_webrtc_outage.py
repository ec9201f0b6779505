"""remote_webrtc_outage: a signaling outage while WebRTC stays up (protocol.md 7.5: peers'
WebRTC sessions survive it; engines.md 11 scenario 25), two test_node processes.

Both nodes run with [webrtc] mode = "only" from actr.toml and the service has no direct
WebSocket listener, so the data channel is the only path. actrd is killed (SIGKILL): both nodes
see signaling disconnected, and calls and tells keep going over WebRTC (counted: every call
answered, every tell handled once). actrd comes back on the same port and data directory: both
nodes reconnect (on_signaling_connected) and calls are still fine, on the same peer connection
(no new on_webrtc_connected).
"""
import signal

from node_harness import Env, check, finish, read_lines, wait_until

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
WEBRTC = '[webrtc]\nmode = "only"\nlocal_addresses = ["127.0.0.1"]'
ENV = {"ACTR_WEBRTC_MODE": "", "ACTR_WEBRTC_LOCAL_ADDRESSES": "", "ACTR_LOG": "info"}
N = 10
RECONNECT_BOUND = 30.0


def hook(name):
    return lambda l: l.startswith("hook " + name + " ")


with Env() as env:
    server = env.start_actrd()
    port = server.port
    counted = env.path("counted")
    svc = env.node("svc", SVC, env.config("svc", allow=[CLI], extra=WEBRTC), "--count-file",
                   counted, extra_env=ENV)
    cli = env.node("cli", CLI, env.config("cli", allow=[SVC], extra=WEBRTC), extra_env=ENV)
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")
    ok, n = cli.cmd("calls rt.Svc.Echo 10000 %d before" % N, 60)
    check(ok and n == str(N), "%d calls over WebRTC before the outage" % N)
    check(svc.next_line(hook("on_webrtc_connected"), 30) is not None, "service: WebRTC up")

    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(30)
    for n in (svc, cli):
        check(n.next_line(hook("on_signaling_disconnected"), 30) is not None,
              "%s noticed that signaling went away" % n.name)
    ok, n = cli.cmd("calls rt.Svc.Echo 10000 %d during" % N, 60)
    check(ok and n == str(N), "%d calls answered over WebRTC with signaling down (%s)" % (N, n))
    ok, _ = cli.cmd("tells rt.Svc.Count %d during-tell" % N)
    check(ok, "%d tells sent with signaling down" % N)
    ok, reply = cli.cmd("call rt.Svc.Count 10000 last-during")
    check(ok and reply == "count=%d" % (N + 1), "every tell arrived, then the call (%r)" % reply)

    server.start(listen="127.0.0.1:%d" % port)
    for n in (svc, cli):
        check(n.next_line(hook("on_signaling_connected"), RECONNECT_BOUND) is not None,
              "%s reconnected to the restarted actrd" % n.name)
    ok, n = cli.cmd("calls rt.Svc.Echo 10000 %d after" % N, 60)
    check(ok and n == str(N), "%d calls after signaling is back" % N)
    payloads = [l.split(" ", 1)[1] for l in
                wait_until(lambda: read_lines(counted) if len(read_lines(counted)) >= N + 1
                           else None, 10) or []]
    check(sorted(payloads) == sorted(["during-tell-%d" % i for i in range(N)] + ["last-during"]),
          "every tell handled exactly once (%d lines)" % len(payloads))
    for n in (cli, svc):
        check(len(n.seen(hook("on_webrtc_connected"))) == 1,
              "%s: the same peer connection throughout (one on_webrtc_connected)" % n.name)

    check(cli.stop() == 0, "client exits cleanly")
    check(svc.stop() == 0, "service exits cleanly")
finish()
