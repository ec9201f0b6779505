#!/usr/bin/python3
"""Runs the real `actr dlq ...` commands against a durable mailbox and its dead-letter queue.

The records are stored by dlq_fixture (tests/cli/dlq_fixture.c, through libactr's DLQ API); the
protobuf bytes they carry (ActrIds, an RpcEnvelope) are encoded here, independently of libactr,
so the CLI's decoding and its --from filter are checked against a second encoder. The fixture also
counts the mailbox after a redrive and holds the mailbox open the way a running node does.

Usage: test_cli_dlq.py [-v] [TestClass.test_name ...]; ACTR_BIN_DIR names the directory of `actr`
(default build/bin), ACTR_DLQ_FIXTURE the fixture (default build/tests/dlq_fixture). Every
process is bounded by a timeout.
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ACTR = os.path.abspath(os.path.join(os.environ.get("ACTR_BIN_DIR", "build/bin"), "actr"))
FIXTURE = os.path.abspath(os.environ.get("ACTR_DLQ_FIXTURE", "build/tests/dlq_fixture"))
TIMEOUT = 60
COMMANDS = ["list", "show", "stats", "redrive", "delete", "replay", "purge"]


def check_stderr(err):
    # Sanitizer reports must fail the test even if the exit code looked right.
    assert "Sanitizer" not in err and "runtime error" not in err, err


def run(*args):
    """Runs actr; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([ACTR, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT, text=True)
    check_stderr(proc.stderr)
    return proc.returncode, proc.stdout, proc.stderr


def fixture(*args):
    proc = subprocess.run([FIXTURE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT, text=True)
    check_stderr(proc.stderr)
    assert proc.returncode == 0, f"dlq_fixture {args}: {proc.stderr}"
    return proc.stdout


# ---- protobuf, encoded by hand (field order as protoc and prost write it) ----

def varint(n):
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def vfield(num, n):
    return varint(num << 3) + varint(n)


def bfield(num, data):
    data = data.encode() if isinstance(data, str) else data
    return varint(num << 3 | 2) + varint(len(data)) + data


def actr_id(realm, serial, manufacturer, name, version):
    actr_type = bfield(1, manufacturer) + bfield(2, name) + bfield(3, version)
    return bfield(1, vfield(1, realm)) + vfield(2, serial) + bfield(3, actr_type)


def envelope(route_key, request_id, direction, timeout_ms, payload):
    return (bfield(1, route_key) + bfield(2, payload) + vfield(4, direction) +
            bfield(102, request_id) + vfield(104, timeout_ms))


ALICE = actr_id(7, 0x2A, "acme", "alice", "1.0.0")
ALICE_TEXT = "2a@7/acme:alice:1.0.0"
BOB = actr_id(7, 0xB0B, "acme", "bob", "2.1.0")
BOB_TEXT = "b0b@7/acme:bob:2.1.0"
NODE = actr_id(7, 1, "acme", "echo", "1.0.0")
NODE_TEXT = "1@7/acme:echo:1.0.0"
REQUEST_ID = "6f1c2a4e-8b7d-4c3a-9e2f-0a1b2c3d4e5f"
ENVELOPE = envelope("echo.EchoService.Echo", REQUEST_ID, 1, 5000, b"hello")
GARBAGE = b"\xff\xff\xff not protobuf"
BIG = bytes([0xFF]) + bytes(range(256)) * 2 + bytes(87)  # 600 bytes, not an envelope
ESC_ERROR = "bad wire type \x1b[31mred"


def utc_text(t):
    """RFC 3339 with milliseconds and a +00:00 offset (the CLI accepts offsets)."""
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(
        timespec="milliseconds")


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="actr-dlq-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.mailbox = os.path.join(self.dir, "node.mailbox")

    def put(self, **fields):
        args = [f"{k}={v.hex() if isinstance(v, bytes) else v}" for k, v in fields.items()]
        return fixture("put", self.mailbox, *args).strip()

    def put_three(self):
        """A: a poison RpcEnvelope; B: garbage with a control character in its error; C: 600 bytes
        of garbage without a sender. Created in that order, a few ms apart; before_c is a time
        between B and C."""
        self.a = self.put(category="poison", error="delivered 5 times without an ack",
                          trace="trace-a", request="req-a",
                          original="0b7e3f5a-1111-4222-8333-944455556666",
                          context='{"source":"mailbox","priority":"high","attempts":5}',
                          raw=ENVELOPE, to=NODE, **{"from": ALICE})
        time.sleep(0.02)
        self.b = self.put(category="protobuf_decode", error=ESC_ERROR, trace="trace-b",
                          context='{"source":"mailbox","priority":"normal"}', raw=GARBAGE,
                          **{"from": BOB})
        time.sleep(0.05)
        self.before_c = utc_text(time.time())
        time.sleep(0.05)
        self.c = self.put(category="protobuf_decode", error="truncated", trace="trace-c", raw=BIG)

    def dlq(self, *args, expect=0):
        code, out, err = run("dlq", *args)
        self.assertEqual(code, expect, f"{args}: {out}{err}")
        return out, err

    def json_of(self, *args):
        out, _ = self.dlq(*args, "--json")
        return json.loads(out)

    def ids(self, *args):
        return [r["id"] for r in self.json_of("list", "--mailbox", self.mailbox, *args)["records"]]

    def count(self):
        """(queued, [(message id, priority, from bytes, payload bytes)]) of the mailbox."""
        lines = fixture("count", self.mailbox).splitlines()
        msgs = []
        for line in lines[1:]:
            _, mid, prio, frm, payload = line.split()
            msgs.append((mid, prio, b"" if frm == "-" else bytes.fromhex(frm),
                         b"" if payload == "-" else bytes.fromhex(payload)))
        return int(lines[0].split()[1]), msgs

    def hold(self):
        """Holds the mailbox in another process, as a running node does. Returns the function
        that lets it go (also called at cleanup)."""
        proc = subprocess.Popen([FIXTURE, "hold", self.mailbox, "60"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def release():
            if proc.stdin.closed:
                return
            proc.stdin.close()
            proc.wait(timeout=TIMEOUT)
            check_stderr(proc.stderr.read())
            proc.stdout.close()
            proc.stderr.close()
            self.assertEqual(proc.returncode, 0)

        self.addCleanup(release)
        self.assertEqual(proc.stdout.readline().strip(), "held")
        return release


class HelpAndUsage(Base):
    def test_every_help_exits_0(self):
        for args in (["dlq", "--help"], ["dlq", "help"], ["help", "dlq"]):
            code, out, err = run(*args)
            self.assertEqual(code, 0, f"{args}: {err}")
            self.assertIn("usage: actr dlq <command>", out)
            for cmd in COMMANDS:
                self.assertIn(f"  {cmd} ", out)
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        self.assertIn("dlq", out)
        for cmd in COMMANDS:
            for args in (["dlq", cmd, "--help"], ["dlq", cmd, "-h"], ["help", "dlq", cmd],
                         ["dlq", "help", cmd]):
                code, out, err = run(*args)
                self.assertEqual(code, 0, f"{args}: {err}")
                self.assertIn(f"usage: actr dlq {cmd}", out)
                self.assertIn("exit codes:", out)

    def assert_usage(self, *args):
        code, out, err = run("dlq", *args)
        self.assertEqual(code, 2, f"{args}: {out}{err}")
        self.assertIn("usage:", err)
        self.assertEqual(out, "")
        return err

    def test_usage_errors_exit_2_and_name_the_problem(self):
        m = ["--mailbox", self.mailbox]
        self.assertEqual(run("dlq")[0], 2)
        self.assertIn("'bogus'", run("dlq", "bogus")[2])
        self.assertEqual(run("dlq", "bogus")[0], 2)
        self.assertIn("--mailbox PATH", self.assert_usage("list"))
        self.assertIn("not both", self.assert_usage("stats", *m, "--dlq", self.mailbox + ".dlq"))
        self.assertIn("no record id", self.assert_usage("show", *m))
        self.assertIn("unexpected argument", self.assert_usage("delete", "a", "b", *m))
        self.assertIn("--limit", self.assert_usage("list", *m, "--limit", "many"))
        self.assertIn("'-1'", self.assert_usage("list", *m, "--limit", "-1"))
        self.assertIn("--since", self.assert_usage("list", *m, "--since", "yesterday"))
        self.assertIn("ActrId", self.assert_usage("list", *m, "--from", "alice"))
        self.assertIn("--max-bytes", self.assert_usage("show", "x", *m, "--max-bytes", "0"))
        self.assertIn("needs a value", self.assert_usage("list", "--mailbox"))
        self.assertIn("more than once", self.assert_usage("list", *m, *m))
        self.assertIn("--mailbox PATH", self.assert_usage("redrive", "x"))
        self.assertIn("'--dlq'", self.assert_usage("redrive", "x", "--dlq", "q.dlq"))
        self.assertIn("--all", self.assert_usage("purge", *m))
        self.assertIn("no filters", self.assert_usage("purge", *m, "--all", "--category", "x"))
        self.assertFalse(os.path.exists(self.mailbox), "a usage error must not create anything")
        self.assertFalse(os.path.exists(self.mailbox + ".dlq"))

    def test_missing_queue_exits_3_and_creates_nothing(self):
        for args in (["list"], ["stats"], ["show", "x"], ["delete", "x"], ["purge", "--all"]):
            _, err = self.dlq(*args, "--mailbox", self.mailbox, expect=3)
            self.assertIn("no dead-letter queue at " + self.mailbox + ".dlq", err)
        _, err = self.dlq("redrive", "x", "--mailbox", self.mailbox, expect=3)
        self.assertIn("no mailbox at " + self.mailbox, err)
        self.assertEqual(os.listdir(self.dir), [])

    def test_not_a_database_exits_3(self):
        bogus = os.path.join(self.dir, "bogus.dlq")
        with open(bogus, "w") as f:
            f.write("this is not SQLite, just some text long enough to look like a header\n" * 20)
        _, err = self.dlq("list", "--dlq", bogus, expect=3)
        self.assertTrue(err.startswith("actr dlq list: "), err)


class Inspect(Base):
    def setUp(self):
        super().setUp()
        self.put_three()

    def test_list_table(self):
        out, _ = self.dlq("list", "--mailbox", self.mailbox)
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "CREATED_AT", "CATEGORY", "ERROR", "FROM",
                                            "REQUEST_ID", "REDRIVES"])
        self.assertEqual(len(lines), 4)
        # Newest first, columns aligned under the header.
        self.assertEqual([line.split()[0] for line in lines[1:]], [self.c, self.b, self.a])
        for name in ("CATEGORY", "REDRIVES"):
            col = lines[0].index(name)
            for line in lines[1:]:
                self.assertNotEqual(line[col], " ", f"{name} misaligned: {line!r}")
                self.assertEqual(line[col - 1], " ")
        a = lines[3]
        for text in ("poison", "delivered 5 times without an ack", ALICE_TEXT, "req-a"):
            self.assertIn(text, a)
        self.assertTrue(a.endswith(" 0"), a)
        self.assertRegex(a, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
        # A control character from the store is escaped, never sent to the terminal.
        self.assertIn("bad wire type \\x1b[31mred", lines[2])
        self.assertNotIn("\x1b", out)
        self.assertIn(BOB_TEXT, lines[2])
        self.assertEqual(lines[1].split()[4], "-")  # C has no sender

    def test_list_json(self):
        doc = self.json_of("list", "--mailbox", self.mailbox)
        self.assertEqual(doc["dlq"], self.mailbox + ".dlq")
        self.assertFalse(doc["truncated"])
        c, b, a = doc["records"]
        self.assertEqual([c["id"], b["id"], a["id"]], [self.c, self.b, self.a])
        self.assertEqual(a["category"], "poison")
        self.assertEqual(a["error"], "delivered 5 times without an ack")
        self.assertEqual(a["trace_id"], "trace-a")
        self.assertEqual(a["request_id"], "req-a")
        self.assertEqual(a["original_message_id"], "0b7e3f5a-1111-4222-8333-944455556666")
        self.assertEqual(a["from"], ALICE_TEXT)
        self.assertEqual(a["from_hex"], ALICE.hex())
        self.assertEqual(a["to"], NODE_TEXT)
        self.assertEqual(a["redrive_attempts"], 0)
        self.assertIsNone(a["last_redrive_at"])
        self.assertEqual(a["raw_len"], len(ENVELOPE))
        self.assertEqual(json.loads(a["context"])["attempts"], 5)
        self.assertEqual(b["error"], ESC_ERROR)
        self.assertIsNone(c["from"])
        self.assertIsNone(c["from_hex"])
        self.assertIsNone(c["request_id"])
        self.assertNotIn("raw_hex", a)  # list stays small: raw bytes are for show
        created = [datetime.datetime.fromisoformat(r["created_at"].replace("Z", "+00:00"))
                   for r in doc["records"]]
        self.assertEqual(created, sorted(created, reverse=True))
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - created[0]).total_seconds()), 60)

    def test_list_filters(self):
        m = ["--mailbox", self.mailbox]
        self.assertEqual(self.ids("--category", "poison"), [self.a])
        self.assertEqual(self.ids("--category", "protobuf_decode"), [self.c, self.b])
        self.assertEqual(self.ids("--trace-id", "trace-b"), [self.b])
        self.assertEqual(self.ids("--from", ALICE_TEXT), [self.a])
        self.assertEqual(self.ids("--from", BOB_TEXT), [self.b])
        self.assertEqual(self.ids("--from", "0B0B@7/acme:bob:2.1.0"), [self.b])  # same id
        self.assertEqual(self.ids("--from", "b0b@8/acme:bob:2.1.0"), [])
        self.assertEqual(self.ids("--since", self.before_c), [self.c])
        # --since includes its own instant.
        b_created = self.json_of("show", self.b, *m)["created_at"]
        self.assertEqual(self.ids("--since", b_created), [self.c, self.b])
        self.assertEqual(self.ids("--since", "2000-01-01T00:00:00Z"), [self.c, self.b, self.a])
        self.assertEqual(self.ids("--since", "2999-01-01T00:00:00Z"), [])
        self.assertEqual(self.ids("--category", "protobuf_decode", "--trace-id", "trace-c",
                                  "--since", self.before_c), [self.c])
        self.assertEqual(self.ids("--category", "protobuf_decode", "--trace-id", "trace-a"), [])
        out, _ = self.dlq("list", *m, "--category", "nope")
        self.assertEqual(out, f"no matching records in {self.mailbox}.dlq\n")

    def test_list_limit(self):
        m = ["--mailbox", self.mailbox]
        doc = self.json_of("list", *m, "--limit", "2")
        self.assertEqual([r["id"] for r in doc["records"]], [self.c, self.b])
        self.assertTrue(doc["truncated"])
        self.assertFalse(self.json_of("list", *m, "-n", "3")["truncated"])
        self.assertEqual(len(self.json_of("list", *m, "--limit", "0")["records"]), 3)
        out, err = self.dlq("list", *m, "--limit", "1")
        self.assertEqual(len(out.splitlines()), 2)
        self.assertIn(self.c, out)
        self.assertIn("--limit", err)

    def test_dlq_option_names_the_file(self):
        by_mailbox = self.json_of("list", "--mailbox", self.mailbox)
        by_dlq = self.json_of("list", "--dlq", self.mailbox + ".dlq")
        self.assertEqual(by_mailbox, by_dlq)
        self.assertEqual(self.json_of("stats", "-m", self.mailbox)["total"], 3)
        # The mailbox given as --dlq is refused rather than given a DLQ table of its own.
        with open(self.mailbox, "rb") as f:
            before = f.read()
        _, err = self.dlq("stats", "--dlq", self.mailbox, expect=2)
        self.assertIn(f"use --mailbox {self.mailbox}", err)
        with open(self.mailbox, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_show_decodes_the_envelope(self):
        rec = self.json_of("show", self.a, "--mailbox", self.mailbox)
        self.assertEqual(rec["id"], self.a)
        self.assertEqual(rec["from"], ALICE_TEXT)
        self.assertEqual(rec["to"], NODE_TEXT)
        self.assertEqual(rec["to_hex"], NODE.hex())
        self.assertEqual(rec["raw_hex"], ENVELOPE.hex())
        self.assertFalse(rec["raw_truncated"])
        self.assertEqual(rec["envelope"], {
            "route_key": "echo.EchoService.Echo", "request_id": REQUEST_ID,
            "direction": "REQUEST", "timeout_ms": 5000, "payload_len": 5, "traceparent": None,
            "metadata_entries": 0})
        self.assertNotIn("envelope_error", rec)
        for key in ("created_at", "category", "error", "trace_id", "request_id",
                    "original_message_id", "from_hex", "redrive_attempts", "last_redrive_at",
                    "context", "raw_len"):
            self.assertIn(key, rec)

        out, _ = self.dlq("show", self.a, "--mailbox", self.mailbox)
        fields = {}
        for line in out.splitlines():
            if line.startswith("raw bytes"):
                break
            key, _, value = line.strip().partition(" ")
            fields.setdefault(key, value.strip())
        self.assertEqual(fields["id"], self.a)
        self.assertEqual(fields["from"], ALICE_TEXT)
        self.assertEqual(fields["route_key"], "echo.EchoService.Echo")
        self.assertEqual(fields["request_id"], "req-a")  # the record's, before the envelope's
        self.assertEqual(fields["direction"], "REQUEST")
        self.assertEqual(fields["last_redrive_at"], "-")
        self.assertIn(f"  request_id          {REQUEST_ID}\n", out)  # the envelope's, indented
        self.assertIn(f"raw bytes ({len(ENVELOPE)})\n", out)
        dump = out.split("raw bytes")[1].splitlines()[1:]
        self.assertEqual(len(dump), (len(ENVELOPE) + 15) // 16)
        first = dump[0].split("|")[0].split()
        self.assertEqual(first[0], "00000000")
        self.assertEqual(bytes.fromhex("".join(first[1:])), ENVELOPE[:16])
        self.assertEqual(dump[0].split("|")[1], "".join(
            chr(c) if 32 <= c < 127 else "." for c in ENVELOPE[:16]))

    def test_show_garbage(self):
        rec = self.json_of("show", self.b, "--mailbox", self.mailbox)
        self.assertIsNone(rec["envelope"])
        self.assertTrue(rec["envelope_error"])
        self.assertEqual(rec["raw_hex"], GARBAGE.hex())
        self.assertEqual(rec["error"], ESC_ERROR)
        out, _ = self.dlq("show", self.b, "--mailbox", self.mailbox)
        self.assertRegex(out, r"\nenvelope +-\n")
        self.assertIn("envelope_error", out)
        self.assertIn("\\x1b[31mred", out)
        self.assertNotIn("\x1b", out)

    def test_show_caps_the_dump(self):
        m = ["--mailbox", self.mailbox]
        rec = self.json_of("show", self.c, *m)
        self.assertEqual(rec["raw_len"], 600)
        self.assertEqual(rec["raw_hex"], BIG[:256].hex())
        self.assertTrue(rec["raw_truncated"])
        rec = self.json_of("show", self.c, *m, "--max-bytes", "1K")
        self.assertEqual(rec["raw_hex"], BIG.hex())
        self.assertFalse(rec["raw_truncated"])
        out, _ = self.dlq("show", self.c, *m)
        self.assertIn("raw bytes (first 256 of 600; --max-bytes N shows more)", out)
        self.assertEqual(len(out.split("raw bytes")[1].splitlines()[1:]), 16)
        out, _ = self.dlq("show", self.c, *m, "--max-bytes", "20")
        self.assertEqual(len(out.split("raw bytes")[1].splitlines()[1:]), 2)

    def test_stats(self):
        st = self.json_of("stats", "--mailbox", self.mailbox)
        a_created = self.json_of("show", self.a, "--mailbox", self.mailbox)["created_at"]
        self.assertEqual(st, {"dlq": self.mailbox + ".dlq", "total": 3,
                              "with_redrive_attempts": 0, "oldest_at": a_created,
                              "by_category": {"poison": 1, "protobuf_decode": 2}})
        out, _ = self.dlq("stats", "--mailbox", self.mailbox)
        self.assertRegex(out, r"(?m)^total +3$")
        self.assertRegex(out, r"(?m)^  protobuf_decode +2$")

    def test_unknown_id_exits_1(self):
        for cmd in ("show", "delete"):
            _, err = self.dlq(cmd, "00000000-0000-4000-8000-000000000000", "--mailbox",
                              self.mailbox, expect=1)
            self.assertIn("no record 00000000-0000-4000-8000-000000000000", err)
        self.assertEqual(self.json_of("stats", "--mailbox", self.mailbox)["total"], 3)


class Change(Base):
    def setUp(self):
        super().setUp()
        self.put_three()

    def test_delete(self):
        m = ["--mailbox", self.mailbox]
        out, _ = self.dlq("delete", self.b, *m)
        self.assertIn(f"deleted {self.b}", out)
        self.assertEqual(self.ids(), [self.c, self.a])
        self.dlq("show", self.b, *m, expect=1)
        self.dlq("delete", self.b, *m, expect=1)
        self.assertEqual(self.json_of("delete", self.a, *m), {"id": self.a, "deleted": True})
        self.assertEqual(self.json_of("stats", *m)["total"], 1)

    def test_inspect_and_delete_while_the_node_runs(self):
        self.hold()
        m = ["--mailbox", self.mailbox]
        self.assertEqual(self.ids(), [self.c, self.b, self.a])
        self.assertEqual(self.json_of("show", self.a, *m)["id"], self.a)
        self.assertEqual(self.json_of("stats", *m)["total"], 3)
        self.dlq("delete", self.c, *m)
        self.assertEqual(self.ids(), [self.b, self.a])

    def test_purge(self):
        m = ["--mailbox", self.mailbox]
        self.assertEqual(self.json_of("purge", *m, "--category", "nope")["deleted"], 0)
        doc = self.json_of("purge", *m, "--category", "protobuf_decode")
        self.assertEqual(doc, {"dlq": self.mailbox + ".dlq", "deleted": 2})
        self.assertEqual(self.ids(), [self.a])
        out, _ = self.dlq("purge", *m, "--all")
        self.assertEqual(out, f"deleted 1 records from {self.mailbox}.dlq\n")
        self.assertEqual(self.json_of("stats", *m)["total"], 0)


class Redrive(Base):
    def setUp(self):
        super().setUp()
        self.put_three()

    def test_redrive_moves_the_record_into_the_mailbox(self):
        self.assertEqual(self.count(), (0, []))
        doc = self.json_of("redrive", self.a, "--mailbox", self.mailbox)
        self.assertEqual(doc["id"], self.a)
        self.assertEqual(doc["mailbox"], self.mailbox)
        self.assertEqual(self.ids(), [self.c, self.b])
        queued, msgs = self.count()
        # Same bytes and sender; HIGH because the record's context says so.
        self.assertEqual(queued, 1)
        self.assertEqual(msgs, [(doc["message_id"], "high", ALICE, ENVELOPE)])
        self.assertEqual(self.json_of("stats", "--mailbox", self.mailbox)["total"], 2)

    def test_replay_is_redrive(self):
        out, _ = self.dlq("replay", self.a, "--mailbox", self.mailbox)
        self.assertIn(f"redrove {self.a} into {self.mailbox} as message ", out)
        mid = out.split()[-1]
        self.assertEqual(self.count()[1][0][0], mid)
        self.dlq("replay", self.a, "--mailbox", self.mailbox, expect=1)

    def test_garbage_needs_force(self):
        _, err = self.dlq("redrive", self.b, "--mailbox", self.mailbox, expect=1)
        self.assertIn("not an RpcEnvelope", err)
        self.assertIn("--force", err)
        self.assertEqual(self.ids(), [self.c, self.b, self.a])
        self.assertEqual(self.count(), (0, []))
        self.dlq("redrive", self.b, "--mailbox", self.mailbox, "--force")
        self.assertEqual(self.ids(), [self.c, self.a])
        queued, msgs = self.count()
        self.assertEqual(queued, 1)
        self.assertEqual(msgs[0][1:], ("normal", BOB, GARBAGE))

    def test_redrive_while_the_node_runs_exits_3(self):
        self.hold()
        _, err = self.dlq("redrive", self.a, "--mailbox", self.mailbox, expect=3)
        self.assertIn(f"mailbox {self.mailbox} is in use", err)
        self.assertIn("stop the node", err)
        rec = self.json_of("show", self.a, "--mailbox", self.mailbox)
        self.assertEqual(rec["redrive_attempts"], 0)  # nothing was touched

    def test_redrive_after_the_node_stopped(self):
        release = self.hold()
        self.dlq("redrive", self.a, "--mailbox", self.mailbox, expect=3)
        release()
        self.dlq("redrive", self.a, "--mailbox", self.mailbox)
        self.assertEqual(self.count()[0], 1)

    def test_unknown_id_exits_1(self):
        _, err = self.dlq("redrive", "00000000-0000-4000-8000-000000000000", "--mailbox",
                          self.mailbox, expect=1)
        self.assertIn("no record 00000000-0000-4000-8000-000000000000", err)
        self.assertEqual(self.count(), (0, []))


if __name__ == "__main__":
    for path in (ACTR, FIXTURE):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing: build actr_cli and dlq_fixture first")
    unittest.main()
