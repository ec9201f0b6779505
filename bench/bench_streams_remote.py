"""bench_streams_remote: STREAM_RELIABLE throughput between two processes through a real actrd,
direct WebSocket (baseline) against WebRTC data channels, same run (docs/BENCHMARKS.md).

A service registers a stream; one client reaches it over direct WebSocket only
(ACTR_WEBRTC_MODE=off), another over WebRTC only (ACTR_WEBRTC_MODE=only, host candidates on
127.0.0.1). Each round sends TOTAL bytes in CHUNK-byte chunks and stops the clock when the
service's callback has seen them all (byte-exact: the payload hash is checked). Rounds alternate
the two paths; figures are medians. Ratio = WebRTC / WebSocket.

  ACTR_SOURCE_DIR=$PWD ACTR_BIN_DIR=$PWD/build/bin /usr/bin/python3 \\
      bench/bench_streams_remote.py build/tests/test_node [TOTAL_MIB [CHUNK_KIB [ROUNDS]]]
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "remote"))
from node_harness import Env, check, finish, free_port, wait_until  # noqa: E402
from stream_util import num, stats  # noqa: E402

SVC = "acme:BenchSvc:1.0.0"
CLI = "acme:BenchCli:1.0.0"
args = [int(a) for a in sys.argv[2:]]
TOTAL = (args[0] if len(args) > 0 else 100) * 1024 * 1024
CHUNK = (args[1] if len(args) > 1 else 64) * 1024
ROUNDS = args[2] if len(args) > 2 else 3
RTC = {"ACTR_WEBRTC_MODE": "prefer", "ACTR_WEBRTC_LOCAL_ADDRESSES": "127.0.0.1",
       "ACTR_LOG": "warn"}


def one_round(cli, svc, name):
    ok, _ = svc.cmd("sregister %s 0" % name)
    check(ok, "registered %s" % name)
    n = (TOTAL + CHUNK - 1) // CHUNK
    t0 = time.monotonic()
    ok, sent = cli.cmd("ssend %s 2 %d %d" % (name, TOTAL, CHUNK), 300)
    check(ok, "%s sent: %r" % (name, sent))
    if not ok:
        finish()
    st = wait_until(lambda: (lambda s: num(s, "chunks") >= n and s)(stats(svc)), 300, 0.005)
    dt = time.monotonic() - t0
    check(st and num(st, "bytes") == TOTAL and st.get("hash") == sent.split("hash=")[1],
          "%s arrived byte-exact" % name)
    return TOTAL / dt / (1024 * 1024)


with Env() as env:
    env.start_actrd()
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]),
                   extra_env=RTC)
    ws = env.node("ws", CLI, env.config("ws"), extra_env=dict(RTC, ACTR_WEBRTC_MODE="off"))
    rtc = env.node("rtc", CLI, env.config("rtc", allow=[SVC]),
                   extra_env=dict(RTC, ACTR_WEBRTC_MODE="only"))
    for c in (ws, rtc):
        ok, _ = c.cmd("discover " + SVC)
        check(ok, "%s discovered the service" % c.name)
    ok, _ = rtc.cmd("call rt.Svc.Echo 20000 warm")
    check(ok, "WebRTC connected")
    got = {"ws": [], "rtc": []}
    for r in range(ROUNDS):
        got["ws"].append(one_round(ws, svc, "ws%d" % r))
        got["rtc"].append(one_round(rtc, svc, "rtc%d" % r))
    w, t = statistics.median(got["ws"]), statistics.median(got["rtc"])
    print("STREAM_RELIABLE %d MiB in %d KiB chunks, median of %d rounds" %
          (TOTAL >> 20, CHUNK >> 10, ROUNDS))
    print("  direct WebSocket (baseline)  %8.1f MiB/s" % w)
    print("  WebRTC data channel          %8.1f MiB/s" % t)
    print("  ratio WebRTC / WebSocket     %8.2f" % (t / w))
    for n in (ws, rtc, svc):
        n.stop()
finish()
