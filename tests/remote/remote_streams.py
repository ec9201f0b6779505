"""remote_streams: data streams between two processes over direct WebSocket (runtime.md 1.2-1.3,
2.3, 6.1, 9.4, 10.2).

A client sends DataChunks to a service it discovered through actrd (STREAM_RELIABLE = lane 2,
STREAM_LATENCY_FIRST = lane 3); the service's stream callbacks count chunks and bytes, check the
sequence order and hash the payloads (FNV-1a, the sender hashes the same way).

1. 10 MiB in 64 KiB chunks on STREAM_RELIABLE arrive complete, in order, byte-exact.
2. A slow reliable consumer (5 ms per chunk) gets every chunk of 1 MiB in 8 KiB chunks in order:
   backpressure, nothing dropped; RPC to the service still answers afterwards.
3. Chunks of a stream nobody registered are dropped and counted.
4. STREAM_LATENCY_FIRST with a slow consumer (20 ms per chunk): the stream queue (64) overflows,
   the newest chunks are dropped and counted, the rest arrive in order; delivered + dropped =
   sent.
5. Malformed DataChunks on lanes 2 and 3 from an authenticated raw dialler are counted as
   malformed; the same connection then gets the answer of a valid request, and the client's
   calls still work.
Both processes exit cleanly.
"""
from node_harness import (REQUEST, Env, RawPeer, check, envelope, finish, frame, free_port,
                          registered, run, source_headers, wait_until)
from stream_util import big_reliable_stream, num, stats

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"


with Env() as env:
    server = env.start_actrd()
    ws_port = free_port()
    svc = env.node("svc", SVC, env.config("svc", ws_port=ws_port, allow=[CLI]))
    cli = env.node("cli", CLI, env.config("cli"))
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")

    # 1. 10 MiB reliable in 64 KiB chunks.
    big_reliable_stream(cli, svc, "over WebSocket")

    # 2. Slow reliable consumer: backpressure, no loss.
    ok, _ = svc.cmd("sregister slowrel 5")
    check(ok, "service registered stream 'slowrel' (5 ms per chunk)")
    ok, sent = cli.cmd("ssend slowrel 2 %d 8192" % (1024 * 1024), 120)
    check(ok and sent.startswith("sent=128 "), "client sent 128 chunks: %r" % sent)
    want_hash = sent.split("hash=")[1] if ok else "?"
    st = wait_until(lambda: (lambda s: num(s, "chunks") >= 128 and s)(stats(svc)), 60)
    check(st and num(st, "chunks") == 128 and num(st, "order_errors") == 0 and
          st.get("hash") == want_hash and num(st, "latency_dropped") == 0,
          "a slow reliable consumer got every chunk in order: %r" % st)
    ok, reply = cli.cmd("call rt.Svc.Echo 5000 after-stream")
    check(ok and reply == "Echo: after-stream", "RPC still answered after the stream")

    # 3. Unknown stream.
    before = num(stats(svc), "unknown")
    ok, sent = cli.cmd("ssend nobody 2 1000 100")
    check(ok and sent.startswith("sent=10 "), "sending to an unregistered stream is no error")
    st = wait_until(lambda: (lambda s: num(s, "unknown") >= before + 10 and s)(stats(svc)), 30)
    check(st and num(st, "unknown") == before + 10,
          "the service dropped and counted 10 chunks of an unknown stream: %r" % st)

    # 4. Latency-first with a slow consumer: drop-newest, counted.
    ok, _ = svc.cmd("sregister lossy 20")
    check(ok, "service registered stream 'lossy' (20 ms per chunk)")
    dropped_before = num(stats(svc), "latency_dropped")
    n = 200
    ok, sent = cli.cmd("ssend lossy 3 %d 1024" % (n * 1024), 60)
    check(ok and sent.startswith("sent=%d " % n), "client sent %d latency-first chunks" % n)

    def settled():
        s = stats(svc)
        done = num(s, "chunks") + num(s, "latency_dropped") - dropped_before
        return s if done >= n else None
    st = wait_until(settled, 60)
    dropped = num(st, "latency_dropped") - dropped_before if st else -1
    check(st and dropped > 0 and num(st, "chunks") + dropped == n and
          num(st, "chunks") >= 64 and num(st, "order_errors") == 0,
          "a slow latency-first consumer: %d delivered in order, %d newest dropped and counted"
          % (num(st, "chunks") if st else -1, dropped))

    # 5. Malformed DataChunks on the stream lanes from an authenticated dialler.
    valid = registered(server, "acme", "RtClient")
    malformed_before = num(stats(svc), "malformed")

    async def bad_chunks():
        async with RawPeer("ws://127.0.0.1:%d" % ws_port, source_headers(valid)) as p:
            for lane in (2, 3):
                await p.send(frame(lane, b"\xff\xff\xff"))          # not protobuf
                await p.send(frame(lane, b"\x08\x01"))              # stream_id as a varint
                await p.send(frame(lane, b"\x0a\x05ab"))            # string past the end
            await p.send_env(envelope(REQUEST, "rt.Svc.Echo", "aaaaaaaa-0000-4000-8000-0000000000"
                                      "01", b"after junk"))
            return await p.recv_env()
    answer = run(bad_chunks())
    check(answer is not None and answer.payload == b"Echo: after junk",
          "after 6 malformed chunks the same connection gets the valid request's answer")
    st = wait_until(lambda: (lambda s: num(s, "malformed") >= malformed_before + 6 and s)(
        stats(svc)), 30)
    check(st and num(st, "malformed") == malformed_before + 6,
          "6 malformed DataChunks counted: %r" % st)
    ok, reply = cli.cmd("call rt.Svc.Echo 5000 still fine")
    check(ok and reply == "Echo: still fine", "the client's calls still work")

    check(cli.stop() == 0, "client exits cleanly")
    check(svc.stop() == 0, "service exits cleanly")
finish()
