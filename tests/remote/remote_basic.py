"""remote_basic: register + discover + call + reply across processes, a tell counted by the
service, error codes on the wire (protocol.md 7.2, 8.3, 8.5; engines.md 11 scenario 20).

A service and a client, each its own test_node process, meet through a real actrd: the client
discovers the service through signaling and reaches it over direct WebSocket.
"""
import re

from node_harness import (INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE, UNKNOWN_ROUTE, Env, check,
                          finish, free_port, read_lines, say, wait_until)

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

with Env() as env:
    env.start_actrd()
    counted = env.path("counted")
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]),
                   "--count-file", counted, "--fail-first", "2")
    cli = env.node("cli", CLI, env.config("cli"))
    say("service %s, client %s" % (svc.id, cli.id))
    check(svc.id != cli.id and svc.id.endswith("/" + SVC) and cli.id.endswith("/" + CLI),
          "both nodes registered with AIS under their own ids")

    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id,
          "discovery through signaling returns the service's id (%s)" % found)

    # A handler error propagates with its ACTR code, wire code and message, as many times as the
    # handler fails; then the same route answers.
    for i in (1, 2):
        ok, e = cli.cmd("call rt.Svc.Echo 5000 hello")
        check(ok is False and e[0] == "EUNAVAILABLE" and e[1] == UNAVAILABLE and
              e[2].endswith("failing call %d of 2" % i),
              "handler failure %d arrives as EUNAVAILABLE/10001 with its message (%s)" % (i, e))
    ok, reply = cli.cmd("call rt.Svc.Echo 5000 hello across processes")
    check(ok and reply == "Echo: hello across processes", "call answered: %r" % reply)

    ok, e = cli.cmd("call rt.Svc.Fail 5000 bad input")
    check(ok is False and e[0] == "EINVAL" and e[1] == INVALID_ARGUMENT and
          e[2].endswith("rejected: bad input"),
          "handler's EINVAL arrives as EINVAL, wire 10005 InvalidArgument, message kept (%s)"
          % (e,))

    # Unknown route: the service's route table answers 10006 UnknownRoute (spec 8.3 step 3,
    # workload.h), which the caller maps to ENOTFOUND (actr_errno_for_wire_code).
    ok, e = cli.cmd("call rt.Svc.Nope 5000 x")
    check(ok is False and e[0] == "ENOTFOUND" and e[1] == UNKNOWN_ROUTE and
          "unknown route: rt.Svc.Nope" in e[2],
          "unknown route -> ENOTFOUND with wire code 10006 UnknownRoute (%s)" % (e,))

    # A tell runs the handler once and produces no reply.
    ok, _ = cli.cmd("tell rt.Svc.Count tell-1")
    check(ok, "tell accepted by the sender")
    lines = wait_until(lambda: read_lines(counted), 15)
    check(len(lines) == 1 and lines[0].endswith(" tell-1"),
          "the service handled the tell exactly once: %r" % lines)
    rid = lines[0].split(" ")[0] if lines else ""
    check(UUID_V4.match(rid) is not None, "the handler saw the wire request id %r" % rid)
    ok, reply = cli.cmd("call rt.Svc.Count 5000 call-1")
    check(ok and reply == "count=2", "a call after the tell is the second handled message: %r"
          % reply)
    lines = read_lines(counted)
    check(len(lines) == 2 and lines[1].endswith(" call-1") and lines[1].split(" ")[0] != rid,
          "each message carries its own request id: %r" % lines)

    # Discovery of a type nobody runs: NotFound (spec 7.2 step 4).
    ok, e = cli.cmd("discover acme:Nobody:1.0.0")
    check(ok is False and e[0] == "ENOTFOUND" and e[1] == NOT_FOUND,
          "discovery of an absent type -> ENOTFOUND, wire 10003 (%s)" % (e,))

    ok, reply = cli.cmd("call rt.Svc.Echo 5000 still there")
    check(ok and reply == "Echo: still there", "the service still answers after the errors")

    check(cli.stop() == 0, "client exits cleanly on SIGTERM")
    check(svc.stop() == 0, "service exits cleanly on SIGTERM")
finish()
