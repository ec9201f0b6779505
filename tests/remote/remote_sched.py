"""remote_sched: the conflict-key scheduler behind the remote inbound path (runtime.md 8.2-8.4,
engines.md 11 scenario 16). Requests arrive over direct WebSocket, are persisted in the durable
mailbox, and the mailbox consumer hands them to the actor without waiting for each reply; an
actor that declared a conflict key then runs two requests with distinct keys at the same time.

rt.Svc.Meet only answers when two Meet handlers are inside at once, so:
  - a service declaring Meet's key (payload field 6, string) answers both of two concurrent
    calls with distinct keys;
  - the same service started serial (no keys) cannot: the first call answers "met alone" (not
    an echo, so acalls reports EPROTO) after its short wait, and only then does the second run.
"""
from node_harness import Env, check, finish, free_port, say

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
# Field 6, wire type 2 is the byte '2'; its length byte '0' is 48: "20" + 46 characters, then
# acalls appends "-0" / "-1", so the two payloads are valid protobuf messages whose field 6
# values (the conflict keys) differ.
PREFIX = "20" + "k" * 46

with Env() as env:
    env.start_actrd()
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI],
                                          mailbox=env.path("svc-mailbox.db")),
                   "--conflict-field", "6", "--meet", "2", "--sleep-ms", "20000")
    cli = env.node("cli", CLI, env.config("cli"))
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "the client discovers the keyed service (%s)" % found)
    ok, n = cli.cmd("acalls rt.Svc.Meet 30000 2 " + PREFIX)
    check(ok and n == "2", "two remote requests with distinct keys ran at the same time (%s)"
          % (n,))
    ok, n = cli.cmd("acalls rt.Svc.Meet 30000 2 " + PREFIX)
    check(ok and n == "2", "and again: every mailbox row was acked and the actor is free (%s)"
          % (n,))
    check(cli.stop() == 0 and svc.stop() == 0, "both nodes exit cleanly")

    say("control: the same service without conflict keys is serial")
    ser = env.node("ser", SVC, env.config("ser", ws_port=free_port(), allow=[CLI]),
                   "--meet", "2", "--sleep-ms", "300")
    cli = env.node("cli2", CLI, env.config("cli2"))
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == ser.id, "the client discovers the serial service (%s)" % found)
    ok, e = cli.cmd("acalls rt.Svc.Meet 30000 2 " + PREFIX)
    check(ok is False and e[0] == "EPROTO" and "1 of 2 good" in e[2],
          "a serial actor never runs the two at once: one met alone (%s)" % (e,))
    check(cli.stop() == 0 and ser.stop() == 0, "both nodes exit cleanly")
finish()
