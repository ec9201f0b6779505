"""remote_streams_webrtc: the same data streams as remote_streams, over WebRTC data channels
(runtime.md 1.2, 9.4; protocol.md 8.1-8.2): the client runs with ACTR_WEBRTC_MODE=only, so its
outbound traffic never takes the direct WebSocket, and a chunk that arrives at all came over the
STREAM_RELIABLE / STREAM_LATENCY_FIRST channel (host candidates on 127.0.0.1; both ACLs admit the
other, as actrd's relays require).

1. 10 MiB in 64 KiB chunks on STREAM_RELIABLE arrive complete, in order and byte-exact
   (each chunk is one fragmented data-channel message).
1b. A reliable consumer that stalls 3 s on its first chunk, then takes 2 ms per chunk, and
   48 MiB sent meanwhile: more than the node would ever hold (16 MiB), so the receiver must stop
   reading the connection (SCTP's window closes) instead of dropping: every chunk arrives, in
   order, byte-exact.
2. A chunk stream to an unregistered stream id is dropped and counted.
3. A latency-first stream (unordered channel, maxRetransmits 3) to a slow consumer: what is
   delivered plus what was dropped and counted never exceeds what was sent, and some arrive.
4. The service stops: the client's WebRTC connection drops and each stream it sent recently
   gets one DataChunkDeliveryUncertain on_error hook (runtime.md 5.4).
Both processes exit cleanly.
"""
from node_harness import Env, check, finish, free_port, wait_until
from stream_util import big_reliable_stream, num, stats

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
RTC = {"ACTR_WEBRTC_MODE": "prefer", "ACTR_WEBRTC_LOCAL_ADDRESSES": "127.0.0.1"}
RTC_ONLY = dict(RTC, ACTR_WEBRTC_MODE="only")


with Env() as env:
    env.start_actrd()
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]),
                   extra_env=RTC)
    cli = env.node("cli", CLI, env.config("cli", allow=[SVC]), extra_env=RTC_ONLY)
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")
    ok, reply = cli.cmd("call rt.Svc.Echo 20000 first")
    check(ok and reply == "Echo: first", "first call answered over WebRTC: %r" % reply)
    for n, peer in ((cli, svc), (svc, cli)):
        pred = (lambda p: lambda l: l.startswith("hook on_webrtc_connected ") and
                ("peer=" + p.id + " ") in l)(peer)
        # The client's hook may come before the first call's answer (it waited for WebRTC).
        line = n.seen(pred) or n.next_line(pred, 30)
        check(line, "%s reports WebRTC connected to %s" % (n.name, peer.name))

    big_reliable_stream(cli, svc, "over WebRTC")

    ok, _ = svc.cmd("sregister slowbig 2 3000")
    check(ok, "service registered stream 'slowbig' (3 s on the first chunk, then 2 ms each)")
    total, chunk = 48 * 1024 * 1024, 64 * 1024
    ok, sent = cli.cmd("ssend slowbig 2 %d %d" % (total, chunk), 120)
    check(ok and sent.startswith("sent=768 "), "client sent 768 chunks: %r" % (sent,))
    want = sent.split("hash=")[1] if ok else "?"
    st = wait_until(lambda: (lambda s: num(s, "chunks") >= 768 and s)(stats(svc)), 90)
    check(st and num(st, "chunks") == 768 and num(st, "bytes") == total and
          num(st, "order_errors") == 0 and st.get("hash") == want,
          "48 MiB to a slow consumer over WebRTC: all arrived, in order, byte-exact (the reader "
          "paused instead of dropping): %r" % (st,))

    ok, sent = cli.cmd("ssend nobody 2 1000 100")
    check(ok and sent.startswith("sent=10 "), "sending to an unregistered stream is no error")
    st = wait_until(lambda: (lambda s: num(s, "unknown") >= 10 and s)(stats(svc)), 30)
    check(st and num(st, "unknown") == 10, "10 chunks of an unknown stream counted: %r" % st)

    ok, _ = svc.cmd("sregister lossy 20")
    check(ok, "service registered stream 'lossy' (20 ms per chunk)")
    n = 200
    ok, sent = cli.cmd("ssend lossy 3 %d 1024" % (n * 1024), 60)
    check(ok and sent.startswith("sent=%d " % n), "client sent %d latency-first chunks" % n)

    def settled():
        s = stats(svc)
        return s if num(s, "chunks") + num(s, "latency_dropped") >= n else None
    # The channel may lose a message for good (maxRetransmits 3): then the sum stays below n.
    st = wait_until(settled, 30) or stats(svc)
    check(st and num(st, "latency_dropped") > 0 and
          num(st, "chunks") + num(st, "latency_dropped") <= n and num(st, "chunks") >= 64,
          "slow latency-first consumer over WebRTC: %d delivered, %d newest dropped and counted"
          % (num(st, "chunks"), num(st, "latency_dropped")))

    ok, reply = cli.cmd("call rt.Svc.Echo 10000 after")
    check(ok and reply == "Echo: after", "RPC over WebRTC still answered after the streams")
    # The service goes away: the client's WebRTC connection drops, and each stream it sent in
    # the last 30 s gets one DataChunkDeliveryUncertain on_error hook (runtime.md 5.4).
    check(svc.stop() == 0, "service exits cleanly")
    for stream in ("big", "lossy"):
        want = "data chunk delivery uncertain: stream %s to %s " % (stream, svc.id)
        line = cli.seen(lambda l: want in l) or cli.next_line(lambda l: want in l, 30)
        check(line and "hook on_error " in str(line) and "category=4" in str(line),
              "client's on_error: delivery of stream %s uncertain" % stream)
    check(cli.stop() == 0, "client exits cleanly")
finish()
