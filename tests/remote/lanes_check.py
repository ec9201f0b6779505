"""lanes_check: the RPC_SIGNAL lane end to end (issue 5; spec: runtime.md 1.2, protocol.md 8.1;
docs/RUNTIME.md "Lanes"), shared by remote_lanes.py (direct WebSocket) and
remote_lanes_webrtc.py (the RPC_SIGNAL data channel).

A client declares rt.Svc.Urgent on RPC_SIGNAL (test_node --signal, actr_node_set_route_lanes).
The service has a durable mailbox and a Count handler that blocks until a file exists.
1. A SIGNAL call to the idle service works. Over WebRTC it is the first message to the peer:
   queued until the connection is ready, it finds the RPC_SIGNAL channel still opening and goes
   out again by the lane's retry (docs/RUNTIME.md §6 "Lanes").
2. The client sends N ordinary Count tells (the first blocks the actor, the rest queue: more than
   the runtime takes in flight), then a SIGNAL call and a SIGNAL tell, then one more ordinary
   tell. Once all are committed in the service's mailbox file (read with sqlite3), exactly the
   two SIGNAL messages are stored with priority High (1): the frames arrived with payload type 1
   (the receiver derives the priority from nothing else). Then the handler is released.
3. Both SIGNAL messages are handled before the backlog drains (the reference's mailbox order:
   High first), the backlog keeps its order, the ordinary tell sent last is handled last (so the
   reordering comes from the lane, not from chance), and the SIGNAL call gets its answer.
4. (WebSocket only) The sender retries with the lane's policy: once the service is dead, a
   SIGNAL call with a 30 s deadline gives up after RPC_SIGNAL's 2 attempts (RPC_RELIABLE would
   make 5 or reach the deadline).
No assertion depends on timing; every wait is bounded.
"""
import signal

from node_harness import (UNAVAILABLE, Env, check, finish, free_port, mailbox_query,
                          package_pb2, read_lines, say, wait_until)

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
# More than the consumer keeps in flight (256) plus one dequeue batch (32): the SIGNAL messages
# find a backlog still waiting in the mailbox.
N = 500


def mailbox(path):
    """[(priority, direction, route_key, payload)] of the rows, or None when unreadable."""
    rows = mailbox_query(path, "SELECT priority, payload FROM messages")
    if rows is None:
        return None
    out = []
    for prio, raw in rows:
        env = package_pb2.RpcEnvelope()
        env.ParseFromString(raw)
        out.append((prio, env.direction, env.route_key, env.payload.decode()))
    return out


def run(svc_env, cli_env, webrtc):
    with Env() as env:
        env.start_actrd()
        counted, go, mbox = env.path("counted"), env.path("go"), env.path("svc-mailbox.db")
        svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI],
                                              mailbox=mbox),
                       "--count-file", counted, "--block-until", go, extra_env=svc_env)
        cli = env.node("cli", CLI, env.config("cli", allow=[SVC]), "--signal", "rt.Svc.Urgent",
                       extra_env=cli_env)
        ok, found = cli.cmd("discover " + SVC)
        check(ok and found == svc.id, "client discovered the service")
        ok, reply = cli.cmd("call rt.Svc.Urgent 20000 hello")
        check(ok and reply == "urgent hello", "a call on the RPC_SIGNAL lane works: %r" % reply)
        if webrtc:
            for n, peer in ((cli, svc), (svc, cli)):
                pred = (lambda p: lambda l: l.startswith("hook on_webrtc_connected ") and
                        ("peer=" + p.id + " ") in l)(peer)
                # The client's hook may come before the first call's answer (it waited).
                line = n.seen(pred) or n.next_line(pred, 30)
                check(line, "%s reports WebRTC connected to %s" % (n.name, peer.name))

        ok, n = cli.cmd("tells rt.Svc.Count %d backlog" % N)
        check(ok and n == str(N), "client sent %d ordinary tells" % N)
        check(svc.next_line(lambda l: l == "blocked backlog-0") is not None,
              "the first tell is inside the (blocked) handler")
        ok, started = cli.cmd("acall rt.Svc.Urgent 60000 signal-call")
        check(ok and started == "started", "SIGNAL call sent")
        ok, _ = cli.cmd("tell rt.Svc.Urgent signal-tell")
        check(ok, "SIGNAL tell sent")
        ok, _ = cli.cmd("tell rt.Svc.Count tail")
        check(ok, "ordinary tell sent last")

        rows = wait_until(lambda: (lambda r: r if r and len(r) == N + 3 else None)(
            mailbox(mbox)), 30)
        check(rows is not None, "all %d messages are committed in the mailbox file" % (N + 3))
        high = sorted((d, rk, p) for prio, d, rk, p in rows or [] if prio == 1)
        check(high == [(package_pb2.DIRECTION_REQUEST, "rt.Svc.Urgent", "signal-call"),
                       (package_pb2.DIRECTION_TELL, "rt.Svc.Urgent", "signal-tell")],
              "exactly the SIGNAL call and tell are stored with priority High: %r" % high)
        check(all(prio == 0 for prio, _, rk, _ in rows or [] if rk == "rt.Svc.Count"),
              "the ordinary tells are stored with priority Normal")

        open(go, "w").close()
        done = cli.next_line(lambda l: l.startswith("acall-done "), 60)
        check(done == "acall-done ok urgent signal-call", "the SIGNAL call got its answer: %r"
              % done)
        lines = wait_until(lambda: (lambda l: l if len(l) >= N + 4 else None)(
            read_lines(counted)), 60) or read_lines(counted)
        order = [l.split(" ", 1)[1] for l in lines]
        check(len(order) == N + 4, "every message was handled once (%d lines)" % len(order))
        backlog = [p for p in order if p.startswith("backlog-")]
        check(backlog == ["backlog-%d" % i for i in range(N)], "the backlog kept its order")
        last = order.index("backlog-%d" % (N - 1)) if backlog else -1
        pos = {p: order.index(p) for p in ("signal-call", "signal-tell") if p in order}
        say("handled at: %r; last of the backlog at %d" % (pos, last))
        check(len(pos) == 2 and all(i < last for i in pos.values()),
              "both SIGNAL messages were handled before the backlog drained")
        check(order and order[-1] == "tail", "the ordinary tell sent last was handled last")

        if webrtc:
            check(svc.stop() == 0, "service exits cleanly")
        else:
            check(svc.stop(signal.SIGKILL) is not None, "service killed")
            ok, e = cli.cmd("call rt.Svc.Urgent 30000 nobody", 60)
            check(ok is False and e[1] == UNAVAILABLE and "(2 attempts)" in e[2],
                  "a SIGNAL call to the dead service gave up after the lane's 2 attempts (%s)"
                  % (e,))
        check(cli.stop() == 0, "client exits cleanly")
    finish()
