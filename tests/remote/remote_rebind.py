"""remote_rebind: hard rebind when the renewal token has expired (protocol.md 5.2 and 7.5,
runtime.md 12.5).

actrd issues 15 s credentials with renewal tokens valid for 1 s, so when the service's proactive
renewal comes due its token is already expired: instead of /renew it registers again and gets a
NEW ActrId. The running process switches over without a restart: its local identity, its
signaling registration and its WebSocket hub now carry the new id. A client discovering the
type then finds the new id (the old one is not listed any more; the service reconnected
signaling, its on_signaling_connected hook fires) and calls it over direct WebSocket; the
service's log says "hard rebind".
"""
import time

from node_harness import Env, check, finish, free_port, say, wait_until

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"

with Env() as env:
    env.start_actrd("--set", "ais.token_ttl_secs=15", "--set", "ais.renewal_token_ttl_secs=1",
                    "--set", "ais.heartbeat_interval_secs=2")
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]))
    old_id = svc.id
    check(wait_until(lambda: "hard rebind" in svc.log(), 30),
          "the service rebinds when its renewal comes due with an expired token")
    new_id = None
    for _ in range(100):  # the switch-over follows the new registration
        ok, own = svc.cmd("id")
        if ok and own != old_id:
            new_id = own
            break
        time.sleep(0.1)
    say("old %s, new %s" % (old_id, new_id))
    check(new_id is not None and new_id.endswith("/" + SVC),
          "the running service now has a new id of the same type")

    # The client registers after the rebind; its own token expires too, but it is not due for
    # renewal within this test.
    cli = env.node("cli", CLI, env.config("cli"))
    found = None
    for _ in range(50):  # signaling may list the new id a moment after the switch
        ok, found = cli.cmd("discover " + SVC)
        if ok and found == new_id:
            break
        time.sleep(0.2)
    check(found == new_id, "discovery returns the new id (%s)" % found)
    ok, reply = cli.cmd("call rt.Svc.Echo 5000 after rebind")
    check(ok and reply == "Echo: after rebind", "a call to the new id is answered: %r" % reply)
    connects = wait_until(
        lambda: svc.seen(lambda l: l.startswith("hook on_signaling_connected ")), 10) or []
    check(len(connects) >= 1,
          "the service reconnected signaling under its new identity (%d connect hooks after "
          "start)" % len(connects))
    m = env.actrd.metrics()
    check(m.get('actrd_ais_registrations_total{result="ok"}', 0) >= 3,
          "actrd saw the service register twice and the client once (%s)"
          % m.get('actrd_ais_registrations_total{result="ok"}'))

    for n in (cli, svc):
        check(n.stop() == 0, "%s exits cleanly" % n.name)
finish()
