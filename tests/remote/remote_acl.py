"""remote_acl: a service whose [acl] denies the client's type (protocol.md 9.4, runtime.md 7.1).

Per spec the same rules act twice:
- signaling (AIS stored them at the service's registration) leaves the service out of the
  client's route candidates, so discovery fails with NotFound (7.2 step 4: ENOTFOUND, 10003);
- the node itself refuses a request that reaches it anyway over direct WebSocket with
  PermissionDenied (10004) without running the handler; a denied tell runs nothing either.
Deny wins over allow, and a type no rule names is denied. A friend type is served (control).
"""
from node_harness import (NOT_FOUND, PERMISSION_DENIED, REQUEST, TELL, Env, RawPeer, check,
                          envelope, finish, free_port, read_lines, registered, run,
                          source_headers)

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
FRIEND = "acme:RtFriend:1.0.0"

with Env() as env:
    server = env.start_actrd()
    counted = env.path("counted")
    ws_port = free_port()
    # CLI is both denied and allowed: deny is evaluated first and wins.
    svc = env.node("svc", SVC, env.config("svc", ws_port=ws_port, allow=[CLI, FRIEND], deny=[CLI]),
                   "--count-file", counted)
    cli = env.node("cli", CLI, env.config("cli"))
    friend = env.node("friend", FRIEND, env.config("friend"))

    ok, e = cli.cmd("discover " + SVC)
    check(ok is False and e[0] == "ENOTFOUND" and e[1] == NOT_FOUND,
          "denied type: discovery finds nothing -> ENOTFOUND, wire 10003 (%s)" % (e,))
    ok, found = friend.cmd("discover " + SVC)
    check(ok and found == svc.id, "allowed type discovers the service")
    ok, reply = friend.cmd("call rt.Svc.Count 5000 friend-call")
    check(ok and reply == "count=1", "allowed type is served: %r" % reply)

    # Real AIS identities for the raw dialler, which knows the address without discovery.
    url = "ws://127.0.0.1:%d" % ws_port
    denied = registered(server, "acme", "RtClient")
    stranger = registered(server, "acme", "RtStranger")
    allowed = registered(server, "acme", "RtFriend")

    async def scenario():
        for who, ok_ in (("denied type", denied), ("unlisted type", stranger)):
            async with RawPeer(url, source_headers(ok_)) as p:
                await p.send_env(envelope(TELL, "rt.Svc.Count", "acl-tell-" + who, b"tell"))
                await p.send_env(envelope(REQUEST, "rt.Svc.Count", "acl-req-" + who, b"req"))
                r = await p.recv_env()
                check(r is not None and r.request_id == "acl-req-" + who and
                      r.HasField("error") and r.error.code == PERMISSION_DENIED and
                      not r.HasField("payload"),
                      "%s: direct request refused with 10004 PermissionDenied, and the tell "
                      "got no reply (%s)" % (who, r and (r.request_id, r.error.code)))
                say_msg = r.error.message if r is not None else ""
                check("denied" in say_msg.lower() or "permission" in say_msg.lower(),
                      "%s: the refusal says why: %r" % (who, say_msg))
        async with RawPeer(url, source_headers(allowed)) as p:
            await p.send_env(envelope(REQUEST, "rt.Svc.Count", "acl-friend", b"raw-friend"))
            r = await p.recv_env()
            check(r is not None and not r.HasField("error") and r.payload == b"count=2",
                  "allowed raw dialler is served: %r" % (r and r.payload))

    run(scenario())
    lines = read_lines(counted)
    check([l.split(" ", 1)[1] for l in lines] == ["friend-call", "raw-friend"],
          "the handler ran only for the allowed callers: %r" % lines)

    for n in (cli, friend, svc):
        check(n.stop() == 0, "%s exits cleanly" % n.name)
finish()
