"""remote_renewal: proactive credential renewal (protocol.md 5.2, runtime.md 12.5; Hyper renews
before expiry, docs/RUNTIME.md 6).

actrd issues credentials valid for 15 s (ais.token_ttl_secs) and asks for a heartbeat every 2 s.
The nodes renew on their own before expiry (soft renewal: same ActrId, hook
on_credential_renewed, log line "credential renewed"). Past the original expiry:
- the service is still discoverable and keeps its id;
- the client dials the service for the first time only now, so the service's WebSocket gate
  checks the client's credential then: an expired one would be dropped silently (protocol.md 8.8)
  and the call would fail, so success proves the renewed credential reached the dialler;
- heartbeats go on past the original expiry and actrd answers none of them 401 (an expired
  credential would be); actrd counts the renewals and no second registration (no rebind).
"""
import time

from node_harness import Env, check, finish, free_port, say

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
TTL = 15


def renewed(line):
    return line.startswith("hook on_credential_renewed ")


def expiry_of(line):
    return int(line.split("expiry=")[1].split(" ")[0])


with Env() as env:
    env.start_actrd("--set", "ais.token_ttl_secs=%d" % TTL,
                    "--set", "ais.heartbeat_interval_secs=2")
    t_issue = time.time()
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]))
    cli = env.node("cli", CLI, env.config("cli"))
    # The first credentials were issued before this, so they have expired once it passed.
    # (Renewal before expiry is proven below by the absence of any 401 from actrd: a heartbeat
    # with an expired credential gets one.)
    original_expiry = time.time() + TTL
    say("originals expire by %.0f" % original_expiry)

    for n in (svc, cli):
        line = n.next_line(renewed, TTL + 10)
        check(line is not None, "%s renewed its credential (hook on_credential_renewed)" % n.name)
        if line:
            check(expiry_of(line) > t_issue + TTL,
                  "%s: the renewed credential expires later than the original (%s)"
                  % (n.name, line))

    # Past the original expiry (+1 s for whole-second claims).
    while time.time() < original_expiry + 1:
        time.sleep(0.2)
    pings_at_expiry = env.actrd.metrics().get("actrd_signaling_pings_total", 0)
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "past the original expiry the service is discoverable under "
          "the same id (%s)" % found)
    ok, reply = cli.cmd("call rt.Svc.Echo 5000 renewed")
    check(ok and reply == "Echo: renewed",
          "first direct WebSocket call after expiry succeeds (renewed credential accepted): %r"
          % reply)
    ok, own = cli.cmd("id")
    check(ok and own == cli.id, "the client kept its id (soft renewal, no rebind)")

    for n in (svc, cli):
        log = n.log()
        check("credential renewed" in log, "%s logged \"credential renewed\"" % n.name)
        check("hard rebind" not in log, "%s did not fall back to a hard rebind" % n.name)
    # Two more heartbeat rounds (2 s each) after the expiry, then actrd's own counters.
    m = {}
    for _ in range(100):
        m = env.actrd.metrics()
        if m.get("actrd_signaling_pings_total", 0) >= pings_at_expiry + 4:
            break
        time.sleep(0.1)
    check(m.get("actrd_signaling_pings_total", 0) >= pings_at_expiry + 4,
          "heartbeats continue past the original expiry (%s -> %s)"
          % (pings_at_expiry, m.get("actrd_signaling_pings_total")))
    check(m.get('actrd_signaling_errors_total{code="401"}', -1) == 0,
          "actrd answered no message 401 (no expired credential was ever presented)")
    check(m.get('actrd_ais_renewals_total{result="ok"}', 0) >= 2,
          "actrd counted the renewals (%s)" % m.get('actrd_ais_renewals_total{result="ok"}'))
    check(m.get('actrd_ais_registrations_total{result="ok"}', 0) == 2,
          "actrd saw exactly the two first registrations, no re-registration (%s)"
          % m.get('actrd_ais_registrations_total{result="ok"}'))

    for n in (cli, svc):
        check(n.stop() == 0, "%s exits cleanly" % n.name)
finish()
