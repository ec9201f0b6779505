"""remote_signaling_restart: actrd goes away and comes back (engines.md 11 scenario 23,
protocol.md 7.5).

actrd is stopped with SIGTERM while a service and a client run. While signaling is down the
direct WebSocket path keeps working: the client calls the service it had already discovered.
actrd is restarted on the same port with the same data directory (same realm, same signing
keys, so the nodes' credentials stay valid); each running node reconnects within 15 s (its
on_signaling_connected hook fires again) and the service is discoverable again, by the old
client and by a client started afterwards.
"""
import time

from node_harness import Env, check, finish, free_port, say

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
RECONNECT_BOUND = 15.0  # scenario 23


def hook(name):
    return lambda l: l.startswith("hook " + name + " ")


with Env() as env:
    server = env.start_actrd()
    port = server.port
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]))
    cli = env.node("cli", CLI, env.config("cli"))
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")
    ok, reply = cli.cmd("call rt.Svc.Echo 5000 before")
    check(ok and reply == "Echo: before", "call before the outage")

    check(server.stop() == 0, "actrd stopped cleanly (SIGTERM)")
    for n in (svc, cli):
        check(n.next_line(hook("on_signaling_disconnected"), 20) is not None,
              "%s noticed that signaling went away" % n.name)

    # Signaling is down: discovery cannot work, the direct path must.
    for i in range(3):
        ok, reply = cli.cmd("call rt.Svc.Echo 5000 during-%d" % i)
        check(ok and reply == "Echo: during-%d" % i,
              "call %d over direct WebSocket while signaling is down: %r" % (i, reply))
    ok, e = cli.cmd("discover " + SVC)
    check(ok is False, "discovery fails while signaling is down (%s)" % (e,))

    server.start(listen="127.0.0.1:%d" % port)
    t0 = time.monotonic()
    say("actrd back on port %d" % server.port)
    for n in (svc, cli):
        line = n.next_line(hook("on_signaling_connected"), RECONNECT_BOUND)
        check(line is not None, "%s reconnected to the restarted actrd within %.0f s (after %.1f s)"
              % (n.name, RECONNECT_BOUND, time.monotonic() - t0))

    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "the old client discovers the service again (%s)" % found)
    late = env.node("late", CLI, env.config("late"))
    ok, found = late.cmd("discover " + SVC)
    check(ok and found == svc.id, "a client started after the restart discovers it (%s)" % found)
    ok, reply = late.cmd("call rt.Svc.Echo 5000 after")
    check(ok and reply == "Echo: after", "and calls it: %r" % reply)
    ok, reply = cli.cmd("call rt.Svc.Echo 5000 old client after")
    check(ok and reply == "Echo: old client after", "the old client still calls it: %r" % reply)

    for n in (late, cli, svc):
        check(n.stop() == 0, "%s exits cleanly" % n.name)
finish()
