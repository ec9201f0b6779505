"""bench/node_rtc.py - node-level call latency over WebRTC against the direct WebSocket, in one
run: a real actrd and three real node processes (tests/remote/test_node.c) on 127.0.0.1. The
service listens for direct WebSockets; one client has WebRTC off (so its calls take the
WebSocket: the baseline), the other prefers WebRTC (its calls take the data channel once the
peer connection is ready). Each round times N sequential 32-byte echo calls per client with the
node's own "calls" command (one command line, N calls inside the client process) and prints
microseconds per call and the ratio WebRTC/WebSocket.

  /usr/bin/python3 bench/node_rtc.py BUILD_DIR/tests/test_node [--rounds 3] [--calls 2000]

Exit status non-zero if a call failed or WebRTC did not come up.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "remote"))

rounds, calls = 3, 2000
args = sys.argv[2:]
while args:
    if args[0] == "--rounds" and len(args) > 1:
        rounds = int(args[1])
    elif args[0] == "--calls" and len(args) > 1:
        calls = int(args[1])
    else:
        sys.exit(__doc__)
    args = args[2:]
del sys.argv[2:]  # node_harness reads argv[1] only

from node_harness import Env, free_port  # noqa: E402

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
LO = {"ACTR_WEBRTC_LOCAL_ADDRESSES": "127.0.0.1", "ACTR_LOG": "warn"}
PAYLOAD = "x" * 24  # "PAYLOAD-i": about 30 bytes per request


def timed_calls(node, n):
    t0 = time.monotonic()
    ok, reply = node.cmd("calls rt.Svc.Echo 10000 %d %s" % (n, PAYLOAD), timeout=120)
    dt = time.monotonic() - t0
    if not ok or reply != str(n):
        raise SystemExit("bench: calls failed on %s: %r" % (node.name, reply))
    return dt * 1e6 / n


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


with Env() as env:
    env.start_actrd()
    svc = env.node("svc", SVC, env.config("svc", ws_port=free_port(), allow=[CLI]),
                   extra_env={**LO, "ACTR_WEBRTC_MODE": "prefer"})
    ws = env.node("cli-ws", CLI, env.config("cli-ws", allow=[SVC]),
                  extra_env={**LO, "ACTR_WEBRTC_MODE": "off"})
    rtc = env.node("cli-rtc", CLI, env.config("cli-rtc", allow=[SVC]),
                   extra_env={**LO, "ACTR_WEBRTC_MODE": "prefer"})
    for n in (ws, rtc):
        ok, found = n.cmd("discover " + SVC)
        if not ok or found != svc.id:
            raise SystemExit("bench: %s did not discover the service" % n.name)
    # The first call goes over the WebSocket and starts WebRTC in the background.
    rtc.cmd("call rt.Svc.Echo 10000 first")
    line = rtc.next_line(lambda l: l.startswith("hook on_webrtc_connected "), 30)
    if line is None:
        raise SystemExit("bench: WebRTC did not come up")
    time.sleep(0.5)  # the service side's channels too
    timed_calls(ws, 100)  # warm-up
    timed_calls(rtc, 100)
    res = {"ws": [], "rtc": []}
    for r in range(rounds):
        a = timed_calls(ws, calls)
        b = timed_calls(rtc, calls)
        res["ws"].append(a)
        res["rtc"].append(b)
        print("round %d: WebSocket %.1f us/call, WebRTC %.1f us/call" % (r + 1, a, b))
    a, b = median(res["ws"]), median(res["rtc"])
    print("\nmedians of %d rounds, %d sequential calls each" % (rounds, calls))
    print("%-40s %10.1f" % ("direct WebSocket (us/call)", a))
    print("%-40s %10.1f" % ("WebRTC data channel (us/call)", b))
    print("%-40s %10.2fx" % ("WebRTC / WebSocket", b / a))
    for n in (rtc, ws, svc):
        n.stop()
