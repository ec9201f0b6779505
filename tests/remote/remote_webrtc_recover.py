"""remote_webrtc_recover: WebRTC recovery after a network change (runtime.md 12.7, protocol.md
7.4; engines.md 11 scenario 24), two test_node processes through a real actrd.

Both nodes take their WebRTC settings from actr.toml ([webrtc] mode = "only", local_addresses =
["127.0.0.1"]; the harness's ACTR_WEBRTC_* overrides are blanked), and the service has no direct
WebSocket listener: every call can only travel on a data channel.

(a) The client gets `netevent path unavailable` with ACTR_TEST_NET_FAULT=1, so its network
really goes away: the data path of its current ICE generation drops every datagram (ICE itself
keeps consent, only an ICE restart makes a new generation) and signaling is disconnected. A call
now fails. `netevent path available` then reconnects signaling and ICE-restarts the peer; the
client's hooks show webrtc disconnected -> connecting -> connected in that order, and calls
succeed again, still over WebRTC (there is no other path).

(c) The answerer of the connection (whichever side actrd made it) gets `netevent path
available`: it cannot restart ICE itself, so it sends ice_restart_request; the offerer restarts
at once, and calls keep working.

Then `netevent cleanup` closes the peer connection and signaling (CleanupOnly) and `netevent
force` reconnects signaling; the next calls set up a new WebRTC connection.
"""
import time

from node_harness import Env, check, finish, say, wait_until

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
WEBRTC = '[webrtc]\nmode = "only"\nlocal_addresses = ["127.0.0.1"]'
ENV = {"ACTR_WEBRTC_MODE": "", "ACTR_WEBRTC_LOCAL_ADDRESSES": "", "ACTR_LOG": "info"}
N = 5


def hook(name, peer):
    return lambda l: l.startswith("hook " + name + " ") and ("peer=" + peer.id + " ") in l


def calls(node, prefix):
    ok, n = node.cmd("calls rt.Svc.Echo 10000 %d %s" % (N, prefix), 60)
    return ok and n == str(N)


with Env() as env:
    env.start_actrd()
    svc = env.node("svc", SVC, env.config("svc", allow=[CLI], extra=WEBRTC), extra_env=ENV)
    cli = env.node("cli", CLI, env.config("cli", allow=[SVC], extra=WEBRTC),
                   extra_env={**ENV, "ACTR_TEST_NET_FAULT": "1"})
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")
    check(calls(cli, "before"), "%d calls over WebRTC (mode only, no WebSocket listener)" % N)
    # The client's hook lines came while it waited for its answers: look in its history.
    check(cli.seen(hook("on_webrtc_connected", svc)) != [], "cli reports WebRTC connected")
    check(svc.next_line(hook("on_webrtc_connected", cli), 30) is not None,
          "svc reports WebRTC connected")

    # (a) the network goes away, then comes back
    ok, _ = cli.cmd("netevent path unavailable")
    check(ok, "path unavailable accepted")
    check(cli.next_line(hook("on_webrtc_disconnected", svc), 30) is not None,
          "client: webrtc disconnected (peer kept for recovery)")
    check(cli.next_line(lambda l: l.startswith("hook on_signaling_disconnected "), 30)
          is not None, "client: signaling disconnected (offline)")
    ok, e = cli.cmd("call rt.Svc.Echo 1500 lost", 30)
    check(ok is False, "a call while the path is dead fails (%s)" % (e,))
    t0 = time.monotonic()
    ok, _ = cli.cmd("netevent path available")
    check(ok, "path available accepted")
    check(cli.next_line(hook("on_webrtc_connecting", svc), 30) is not None,
          "client: webrtc connecting (ICE restart) after the disconnect")
    check(cli.next_line(hook("on_webrtc_connected", svc), 60) is not None,
          "client: webrtc connected again after connecting")
    # Information only (no assertion): includes the 400 ms settle window.
    say("path available -> webrtc connected: %.0f ms" % ((time.monotonic() - t0) * 1000))
    check(cli.seen(lambda l: l.startswith("hook on_signaling_connected ")) != [],
          "client: signaling reconnected")
    check(calls(cli, "after"), "%d calls over WebRTC after the ICE restart" % N)
    say("path available -> %d calls answered: %.0f ms" % (N, (time.monotonic() - t0) * 1000))
    restarts = [l for l in cli.log().splitlines() + svc.log().splitlines()
                if "ICE restart offer" in l]
    check(restarts != [], "an ICE restart offer was sent (%d log lines)" % len(restarts))

    # (c) the answerer asks for the restart
    roles = {n.name: ("answerer" if "role=answerer" in n.log() else
                      "offerer" if "role=offerer" in n.log() else None) for n in (cli, svc)}
    say("roles: %r" % roles)
    check(sorted(roles.values()) == ["answerer", "offerer"], "one offerer, one answerer")
    answerer, offerer = (cli, svc) if roles["cli"] == "answerer" else (svc, cli)
    peer_of = {cli.name: svc, svc.name: cli}
    requests_before = offerer.log().count("ICE restart request received")
    ok, _ = answerer.cmd("netevent path available")
    check(ok, "answerer: path available accepted")
    check(answerer.next_line(hook("on_webrtc_connecting", peer_of[answerer.name]), 30)
          is not None, "answerer: webrtc connecting")
    check(answerer.next_line(hook("on_webrtc_connected", peer_of[answerer.name]), 60)
          is not None, "answerer: webrtc connected again")
    check("ICE restart request sent" in answerer.log(), "the answerer sent ice_restart_request")
    check(offerer.log().count("ICE restart request received") > requests_before,
          "the offerer received it and restarted")
    check(calls(cli, "requested"), "%d calls after the requested restart" % N)

    # CleanupOnly, then ForceReconnect: the connection is closed for good, then a new one
    # (a second on_webrtc_connected) carries the calls.
    sig_down = lambda l: l.startswith("hook on_signaling_disconnected ")  # noqa: E731
    downs = len(cli.seen(sig_down))
    ok, _ = cli.cmd("netevent cleanup")
    check(ok, "cleanup accepted")
    check(cli.next_line(hook("on_webrtc_disconnected", svc), 30) is not None,
          "client: webrtc disconnected (the peer connection is closed)")
    check(wait_until(lambda: len(cli.seen(sig_down)) > downs, 30),
          "client: signaling disconnected (cleanup only)")
    connected_before = len(cli.seen(hook("on_webrtc_connected", svc)))
    sig_up = lambda l: l.startswith("hook on_signaling_connected ")  # noqa: E731
    ups = len(cli.seen(sig_up))
    ok, _ = cli.cmd("netevent force")
    check(ok, "force reconnect accepted")
    check(wait_until(lambda: len(cli.seen(sig_up)) > ups, 30),
          "client: signaling reconnected (force reconnect)")
    check(calls(cli, "new-connection"), "%d calls on a new WebRTC connection" % N)
    check(len(cli.seen(hook("on_webrtc_connected", svc))) > connected_before,
          "client: a new peer connection was made")

    check(cli.stop() == 0, "client exits cleanly")
    check(svc.stop() == 0, "service exits cleanly")
finish()
