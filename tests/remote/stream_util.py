"""stream_util: what the stream drivers (remote_streams*.py) share: the receiving node's stream
counters from test_node's `sstats`, and a bounded wait for a 10 MiB reliable stream."""
import re

from node_harness import check, wait_until


def stats(node):
    """The service's counters as a dict of strings ({} when the command failed)."""
    ok, text = node.cmd("sstats x")
    return dict(re.findall(r"(\w+)=(\w+)", text)) if ok else {}


def num(st, key):
    return int(st.get(key, "-1")) if st else -1


def big_reliable_stream(sender, receiver, what):
    """Registers 'big' on receiver, sends 10 MiB in 64 KiB reliable chunks from sender and
    checks they arrive complete, in order and byte-exact (hash of the payloads)."""
    ok, _ = receiver.cmd("sregister big 0")
    check(ok, "%s registered stream 'big'" % receiver.name)
    total, chunk = 10 * 1024 * 1024, 64 * 1024
    ok, sent = sender.cmd("ssend big 2 %d %d" % (total, chunk), 120)
    check(ok and sent.startswith("sent=160 "), "%s sent 160 chunks: %r" % (sender.name, sent))
    want = sent.split("hash=")[1] if ok else "?"
    st = wait_until(lambda: (lambda s: num(s, "chunks") >= 160 and s)(stats(receiver)), 60)
    check(st and num(st, "chunks") == 160 and num(st, "bytes") == total and
          num(st, "order_errors") == 0 and st.get("hash") == want,
          "10 MiB %s arrived complete, in order and byte-exact: %r" % (what, st))
