"""remote_webrtc_netwatch: automatic detection of local address changes ([webrtc] watch_network
= true: rtnetlink on the node's loop) turned into network events, two test_node processes and
actrd inside a private network namespace (`unshare -n`, needs root; skipped otherwise, exit 77).

Both nodes run with mode = "only", local_addresses = ["127.0.0.1"] and the watcher on; the
service has no WebSocket listener. An address is added to lo: each node logs the change, the
settle window folds the burst into one Restore, and ICE restarts (client hooks: connecting, then
connected); calls go on over WebRTC. The address is removed: only a Probe (signaling answers, so
it stays connected) and calls go on.
"""
import os
import subprocess
import sys

if os.environ.get("ACTR_IN_NETNS") != "1":
    if os.geteuid() != 0 or subprocess.run(["unshare", "-n", "true"],
                                           stderr=subprocess.DEVNULL).returncode != 0:
        print("SKIP: needs root and unshare -n (a private network namespace)")
        sys.exit(77)
    os.execvp("unshare", ["unshare", "-n", "sh", "-c",
                          'ip link set lo up && exec env ACTR_IN_NETNS=1 "$0" "$@"',
                          sys.executable, *sys.argv])

from node_harness import Env, check, finish, wait_until  # noqa: E402

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
WEBRTC = '[webrtc]\nmode = "only"\nlocal_addresses = ["127.0.0.1"]\nwatch_network = true'
ENV = {"ACTR_WEBRTC_MODE": "", "ACTR_WEBRTC_LOCAL_ADDRESSES": "", "ACTR_LOG": "info"}
N = 5


def hook(name, peer=None):
    return lambda l: l.startswith("hook " + name + " ") and (
        peer is None or ("peer=" + peer.id + " ") in l)


def calls(node, prefix):
    ok, n = node.cmd("calls rt.Svc.Echo 10000 %d %s" % (N, prefix), 60)
    return ok and n == str(N)


def ip(*args):
    return subprocess.run(["ip", *args]).returncode == 0


with Env() as env:
    env.start_actrd()
    svc = env.node("svc", SVC, env.config("svc", allow=[CLI], extra=WEBRTC), extra_env=ENV)
    cli = env.node("cli", CLI, env.config("cli", allow=[SVC], extra=WEBRTC), extra_env=ENV)
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")
    check(calls(cli, "before"), "%d calls over WebRTC" % N)
    check(cli.seen(hook("on_webrtc_connected", svc)) != [], "client: WebRTC connected")

    check(ip("addr", "add", "10.9.9.9/32", "dev", "lo"), "address added to lo")
    check(cli.next_line(hook("on_webrtc_connecting", svc), 30) is not None,
          "client: webrtc connecting (ICE restart) after the address appeared")
    check(cli.next_line(hook("on_webrtc_connected", svc), 60) is not None,
          "client: webrtc connected again")
    for n in (cli, svc):
        log = n.log()
        check("local addresses changed" in log and "action=restore" in log,
              "%s saw the change and restored" % n.name)
    check(calls(cli, "after-add"), "%d calls after the restart" % N)

    check(ip("addr", "del", "10.9.9.9/32", "dev", "lo"), "address removed")
    check(calls(cli, "after-del"), "%d calls after the removal" % N)
    check(wait_until(lambda: "action=probe" in cli.log(), 10),
          "client: a removal only probes signaling")
    check(cli.seen(hook("on_signaling_disconnected")) == [],
          "client: signaling stayed connected (the probe was answered)")

    check(cli.stop() == 0, "client exits cleanly")
    check(svc.stop() == 0, "service exits cleanly")
finish()
