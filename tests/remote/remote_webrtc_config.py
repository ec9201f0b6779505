"""remote_webrtc_config: the [webrtc] keys of actr.toml applied by a real node (platform.md 7.1;
ours: mode, local_addresses), with a real actrd.

- ice_udp_mux_port cannot be honoured (libnice has no shared UDP mux): the node refuses to
  start with a message naming the key, instead of silently using other ports.
- force_relay = true with no TURN server leaves no candidate to use: with mode = "only" a call
  cannot reach the service (no WebRTC connection forms, and no WebSocket is taken), while the
  same pair of nodes without force_relay talks fine. This shows the relay policy reaches ICE.
- mode = "off" in actr.toml (no ACTR_WEBRTC_MODE override): calls take the direct WebSocket and
  no WebRTC hook ever fires.
"""
from node_harness import Env, check, finish, free_port

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
ENV = {"ACTR_WEBRTC_MODE": "", "ACTR_WEBRTC_LOCAL_ADDRESSES": "", "ACTR_LOG": "info"}
ONLY = '[webrtc]\nmode = "only"\nlocal_addresses = ["127.0.0.1"]\n'


def hook(name):
    return lambda l: l.startswith("hook " + name + " ")


def webrtc_hooks(n):
    return n.seen(lambda l: l.startswith("hook on_webrtc_"))


with Env() as env:
    env.start_actrd()
    # ice_udp_mux_port: refused at start
    try:
        env.node("mux", CLI, env.config("mux", extra=ONLY + "ice_udp_mux_port = 3478"),
                 extra_env=ENV)
        check(False, "a node with ice_udp_mux_port must not start")
    except RuntimeError as e:
        check("ice_udp_mux_port is not supported" in str(e),
              "ice_udp_mux_port refused at start with a clear message")
    mux = env.nodes[-1]
    mux.proc.wait(30)
    check(mux.proc.returncode not in (None, 0), "and the process exits with failure")

    # force_relay without TURN: no connection, so mode "only" cannot deliver
    svc = env.node("svc", SVC, env.config("svc", allow=[CLI, "acme:RtOff:1.0.0"],
                                          ws_port=free_port(), extra=ONLY), extra_env=ENV)
    relay = env.node("relay", CLI, env.config("relay", allow=[SVC],
                                              extra=ONLY + "force_relay = true"), extra_env=ENV)
    ok, found = relay.cmd("discover " + SVC)
    check(ok and found == svc.id, "relay-only client discovered the service")
    ok, e = relay.cmd("call rt.Svc.Echo 15000 relay-only", 60)
    check(ok is False, "force_relay without a TURN server: the call cannot go over WebRTC (%s)"
          % (e,))
    check(relay.seen(lambda l: l.startswith("hook on_webrtc_connected ")) == [],
          "and no WebRTC connection was ready")
    check(relay.stop() == 0, "relay-only client exits cleanly")
    plain = env.node("plain", CLI, env.config("plain", allow=[SVC], extra=ONLY), extra_env=ENV)
    ok, _ = plain.cmd("discover " + SVC)
    ok, reply = plain.cmd("call rt.Svc.Echo 15000 all-candidates", 60)
    check(ok and reply == "Echo: all-candidates",
          "the same client without force_relay reaches the service over WebRTC (%r)" % (reply,))
    check(plain.stop() == 0, "that client exits cleanly")

    # mode = "off": the direct WebSocket, no WebRTC
    off = env.node("off", "acme:RtOff:1.0.0",
                   env.config("off", allow=[SVC], extra='[webrtc]\nmode = "off"'),
                   extra_env=ENV)
    ok, found = off.cmd("discover " + SVC)
    check(ok and found == svc.id, "mode off client discovered the service")
    ok, reply = off.cmd("call rt.Svc.Echo 10000 plain")
    check(ok and reply == "Echo: plain", "mode off: the call takes the direct WebSocket")
    check(webrtc_hooks(off) == [], "mode off: no WebRTC hook")
    # Network events work without WebRTC too: offline takes signaling down, available brings
    # it back; an event still settling when the node stops is dropped cleanly.
    ok, _ = off.cmd("netevent path unavailable")
    check(ok and off.next_line(hook("on_signaling_disconnected"), 30) is not None,
          "mode off: path unavailable disconnects signaling")
    ok, _ = off.cmd("netevent path available")
    check(ok and off.next_line(hook("on_signaling_connected"), 30) is not None,
          "mode off: path available reconnects signaling")
    ok, found = off.cmd("discover " + SVC)
    check(ok and found == svc.id, "mode off: discovery works again")
    ok, e = off.cmd("netevent path sideways")
    check(ok is False, "an unknown availability is refused (%s)" % (e,))
    ok, _ = off.cmd("netevent force")
    check(ok, "force reconnect accepted")
    check(off.stop() == 0, "mode off client exits cleanly with an event still settling")
    check(svc.stop() == 0, "service exits cleanly")
finish()
