#!/usr/bin/python3
"""Runs the real `actr` program as a user would and checks `actr pkg ...` against independent
tools: hashlib/openssl for key ids and signatures, zipfile/zip/unzip for the archive, tomllib for
the manifest, a local HTTP server for registry trust.

Usage: test_cli_pkg.py [-v] [TestClass.test_name ...]; ACTR_BIN_DIR names the directory of
`actr` (default build/bin). Every run of actr is bounded by a timeout.
"""
import base64
import hashlib
import http.server
import json
import os
import pty
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import tomllib
import unittest
import zipfile

ACTR = os.path.abspath(os.path.join(os.environ.get("ACTR_BIN_DIR", "build/bin"), "actr"))
TIMEOUT = 60
ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def run(*args, cwd=None, env=None, stderr=subprocess.PIPE):
    """Runs actr; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([ACTR, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=stderr,
                          timeout=TIMEOUT, text=True)
    err = proc.stderr or ""
    # Sanitizer reports must fail the test even if the exit code looked right.
    assert "Sanitizer" not in err and "runtime error" not in err, err
    return proc.returncode, proc.stdout, err


def tool(*args, input=None):
    """Runs an external tool and returns its stdout bytes; fails the test on a non-zero exit."""
    return subprocess.run(args, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT, check=True).stdout


def key_id_of(pub):
    return "mfr-" + hashlib.sha256(pub).hexdigest()[:16]


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="actr-cli-")
        self.addCleanup(shutil.rmtree, self.dir)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def keygen(self, name="key.json", *extra):
        code, out, err = run("pkg", "keygen", "--output", self.path(name), "--json", *extra)
        self.assertEqual(code, 0, err)
        return json.loads(out)

    def pem_public(self, key_json):
        """public_key of a key file as a PEM file that openssl reads."""
        pub = base64.b64decode(json.loads(read_bytes(key_json))["public_key"])
        der = write(self.path("pub.der"), ED25519_SPKI_PREFIX + pub)
        pem = self.path("pub.pem")
        tool("openssl", "pkey", "-pubin", "-inform", "DER", "-in", der, "-out", pem)
        return pem

    def pem_private(self, key_json):
        seed = base64.b64decode(json.loads(read_bytes(key_json))["private_key"])
        der = write(self.path("priv.der"), ED25519_PKCS8_PREFIX + seed)
        pem = self.path("priv.pem")
        tool("openssl", "pkey", "-inform", "DER", "-in", der, "-out", pem)
        os.chmod(pem, 0o600)
        return pem

    def assert_usage(self, *args):
        code, out, err = run(*args)
        self.assertEqual(code, 2, f"{args}: {out}{err}")
        self.assertIn("usage:", err)
        return err


class HelpAndUsage(Base):
    COMMANDS = ["keygen", "pack", "sign", "verify", "inspect"]

    def test_every_help_exits_0(self):
        for args in (["--help"], ["help"], ["-h"], ["version", "--help"], ["help", "--help"],
                     ["pkg", "--help"], ["pkg", "help"], ["help", "pkg"], ["help", "version"]):
            code, out, err = run(*args)
            self.assertEqual(code, 0, f"{args}: {err}")
            self.assertIn("usage:", out, args)
        for cmd in self.COMMANDS:
            for args in (["pkg", cmd, "--help"], ["pkg", cmd, "-h"], ["help", "pkg", cmd],
                         ["pkg", "help", cmd]):
                code, out, err = run(*args)
                self.assertEqual(code, 0, f"{args}: {err}")
                self.assertIn(f"usage: actr pkg {cmd}", out)
                self.assertIn("exit codes:", out)

    def test_version(self):
        code, out, _ = run("version")
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^actr \d+\.\d+\.\d+\n$")

    def test_usage_errors_exit_2_and_name_the_problem(self):
        self.assertEqual(run()[0], 2)
        self.assertIn("'bogus'", run("bogus")[2])
        self.assertEqual(run("bogus")[0], 2)
        self.assertEqual(run("pkg")[0], 2)
        self.assertEqual(run("pkg", "bogus")[0], 2)
        out = self.path("k.json")
        self.assertIn("'--bogus'", self.assert_usage("pkg", "keygen", "--bogus"))
        self.assertIn("'-z'", self.assert_usage("pkg", "keygen", "-z"))
        self.assertIn("needs a value", self.assert_usage("pkg", "keygen", "--output"))
        self.assertIn("takes no value", self.assert_usage("pkg", "keygen", "--force=yes"))
        self.assertIn("more than once", self.assert_usage("pkg", "keygen", "-o", out, "-o", out))
        self.assertIn("unexpected argument", self.assert_usage("pkg", "keygen", "extra"))
        self.assertIn("--pubkey", self.assert_usage("pkg", "verify", "x.actr"))
        self.assertIn("not both", self.assert_usage("pkg", "verify", "x.actr", "--pubkey", "a",
                                                    "--registry", "http://127.0.0.1:1"))
        self.assertIn("once", self.assert_usage("pkg", "verify", "x.actr", "--package", "y.actr",
                                                "--pubkey", "a"))
        self.assertIn("no package", self.assert_usage("pkg", "inspect"))
        self.assertIn("--max-bytes", self.assert_usage("pkg", "inspect", "x.actr", "--max-bytes",
                                                       "lots"))
        self.assertIn("ZIPPATH=FILE", self.assert_usage("pkg", "pack", "--resource", "=x"))
        self.assertIn("unknown command", self.assert_usage("help", "nope"))
        self.assertFalse(os.path.exists(out), "a usage error must not write anything")

    def test_option_forms(self):
        """--opt=value, --opt value, -o value, -ovalue and -- all reach the command."""
        for i, form in enumerate((["--output=%s"], ["--output", "%s"], ["-o", "%s"], ["-o%s"])):
            target = self.path(f"k{i}.json")
            args = [a.replace("%s", target) for a in form]
            code, _, err = run("pkg", "keygen", *args)
            self.assertEqual(code, 0, err)
            self.assertTrue(os.path.exists(target), form)
            shutil.rmtree(self.dir)
            os.mkdir(self.dir)
        write(self.path("-odd.actr"), b"not a zip")
        code, _, err = run("pkg", "inspect", "--", "-odd.actr", cwd=self.dir)
        self.assertEqual(code, 1, err)  # reached inspect as a file name, found no ZIP


class Keygen(Base):
    def test_files_modes_and_key_id(self):
        info = self.keygen("keys/dev.json", "--note", "ci key")
        key, pub_file = self.path("keys/dev.json"), self.path("keys/public-key.json")
        self.assertEqual(info["private_key_file"], key)
        self.assertEqual(info["public_key_file"], pub_file)
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(pub_file).st_mode), 0o644)
        doc = json.loads(read_bytes(key))
        self.assertEqual(set(doc), {"private_key", "public_key", "created_at", "note"})
        self.assertEqual(doc["note"], "ci key")
        self.assertRegex(doc["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        seed, pub = base64.b64decode(doc["private_key"]), base64.b64decode(doc["public_key"])
        self.assertEqual((len(seed), len(pub)), (32, 32))
        # The public key belongs to the seed, as openssl derives it.
        der = tool("openssl", "pkey", "-in", self.pem_private(key), "-pubout", "-outform", "DER")
        self.assertEqual(der[-32:], pub)
        pub_doc = json.loads(read_bytes(pub_file))
        self.assertEqual(base64.b64decode(pub_doc["public_key"]), pub)
        # Key id: mfr- + sha256(pub)[:16], by hashlib and by openssl dgst.
        self.assertEqual(info["key_id"], key_id_of(pub))
        digest = tool("openssl", "dgst", "-sha256", "-binary", input=pub).hex()
        self.assertEqual(info["key_id"], "mfr-" + digest[:16])
        self.assertEqual(pub_doc.get("key_id"), info["key_id"])

    def test_text_output_names_the_key_id(self):
        code, out, err = run("pkg", "keygen", "-o", self.path("k.json"))
        self.assertEqual(code, 0, err)
        pub = base64.b64decode(json.loads(read_bytes(self.path("public-key.json")))["public_key"])
        self.assertIn(key_id_of(pub), out)

    def test_refuses_overwrite_and_force_replaces(self):
        first = self.keygen()
        before = read_bytes(self.path("key.json")), read_bytes(self.path("public-key.json"))
        code, _, err = run("pkg", "keygen", "-o", self.path("key.json"))
        self.assertEqual(code, 3)
        self.assertIn("--force", err)
        after = read_bytes(self.path("key.json")), read_bytes(self.path("public-key.json"))
        self.assertEqual(before, after)
        second = self.keygen("key.json", "--force")
        self.assertNotEqual(first["key_id"], second["key_id"])
        self.assertEqual(stat.S_IMODE(os.stat(self.path("key.json")).st_mode), 0o600)

    def test_refuses_when_only_the_public_key_exists(self):
        write(self.path("public-key.json"), "{}")
        code, _, err = run("pkg", "keygen", "-o", self.path("key.json"))
        self.assertEqual(code, 3, err)
        self.assertFalse(os.path.exists(self.path("key.json")))

    def test_pubkey_out_and_default_location(self):
        info = self.keygen("k.json", "--pubkey-out", self.path("elsewhere.json"))
        self.assertTrue(os.path.exists(self.path("elsewhere.json")))
        self.assertFalse(os.path.exists(self.path("public-key.json")))
        home = self.path("home")
        os.mkdir(home)
        code, out, err = run("pkg", "keygen", "--json", env={**os.environ, "HOME": home})
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["private_key_file"], f"{home}/.actr/dev-key.json")
        self.assertEqual(stat.S_IMODE(os.stat(f"{home}/.actr/dev-key.json").st_mode), 0o600)
        self.assertNotEqual(info["key_id"], json.loads(out)["key_id"])

    def test_unwritable_location_is_io_error(self):
        # A path below a regular file fails with ENOTDIR even for root, so this always runs.
        with open(self.path("plain-file"), "w") as f:
            f.write("x")
        code, _, err = run("pkg", "keygen", "-o", self.path("plain-file", "k.json"))
        self.assertEqual(code, 3, err)
        self.assertTrue(err.strip(), "an I/O error must say what went wrong")


MANIFEST = """manufacturer = "acme"
name = "EchoService"
version = "1.0.0"

[binary]
target = "wasm32-wasip2"

[metadata]
description = "echo"
license = "MIT"
"""


class Sign(Base):
    def test_signature_verifies_with_openssl(self):
        self.keygen()
        manifest = write(self.path("m", "manifest.toml"), MANIFEST)
        code, out, err = run("pkg", "sign", "-m", manifest, "-k", self.path("key.json"))
        self.assertEqual(code, 0, err)
        sig = self.path("m", "manifest.sig")
        self.assertEqual(len(read_bytes(sig)), 64)
        pem = self.pem_public(self.path("key.json"))
        verified = tool("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin",
                        "-in", manifest, "-sigfile", sig)
        self.assertIn(b"Signature Verified Successfully", verified)
        # Ed25519 is deterministic: openssl signing the same bytes gives the same signature.
        priv = self.pem_private(self.path("key.json"))
        ours = tool("openssl", "pkeyutl", "-sign", "-inkey", priv, "-rawin", "-in", manifest)
        self.assertEqual(ours, read_bytes(sig))
        # One changed byte no longer verifies.
        write(manifest, MANIFEST.replace("1.0.0", "1.0.1"))
        bad = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin",
                              "-in", manifest, "-sigfile", sig], capture_output=True,
                             timeout=TIMEOUT)
        self.assertNotEqual(bad.returncode, 0)

    def test_output_option_alias_and_replace(self):
        self.keygen()
        manifest = write(self.path("manifest.toml"), MANIFEST)
        out = self.path("custom.sig")
        write(out, b"old")
        code, _, err = run("pkg", "sign", "--manifest-path", manifest, "--key",
                           self.path("key.json"), "--output", out)
        self.assertEqual(code, 0, err)
        self.assertEqual(len(read_bytes(out)), 64)

    def test_errors(self):
        self.keygen()
        key = self.path("key.json")
        code, _, err = run("pkg", "sign", "-m", self.path("missing.toml"), "-k", key)
        self.assertEqual(code, 3, err)
        self.assertIn("missing.toml", err)
        big = write(self.path("big.toml"), b"#" * (1024 * 1024 + 1))
        code, _, err = run("pkg", "sign", "-m", big, "-k", key)
        self.assertEqual(code, 1, err)
        manifest = write(self.path("manifest.toml"), MANIFEST)
        bad_key = write(self.path("bad.json"), '{"private_key": "x"}')
        code, _, err = run("pkg", "sign", "-m", manifest, "-k", bad_key)
        self.assertEqual(code, 1, err)
        code, _, err = run("pkg", "sign", "-m", manifest, "-k", self.path("nokey.json"))
        self.assertEqual(code, 3, err)

    def test_warns_about_a_different_signing_key_id(self):
        self.keygen()
        manifest = write(self.path("manifest.toml"),
                         'signing_key_id = "mfr-0000000000000000"\n' + MANIFEST)
        code, _, err = run("pkg", "sign", "-m", manifest, "-k", self.path("key.json"))
        self.assertEqual(code, 0, err)
        self.assertIn("warning", err)


class Package(Base):
    """A package with a binary, two resources, a proto and a lock file."""

    def setUp(self):
        super().setUp()
        self.info = self.keygen()
        self.key = self.path("key.json")
        self.pubkey = self.path("public-key.json")
        self.manifest = write(self.path("src", "manifest.toml"), MANIFEST)
        self.binary = write(self.path("src", "actor.wasm"), b"\0asm\x01\0\0\0" + os.urandom(3000))
        self.glue = write(self.path("src", "glue.js"), "export const x = 1;\n")
        self.conf = write(self.path("src", "a.toml"), "k = 1\n")
        self.proto = write(self.path("src", "echo.proto"), 'syntax = "proto3";\npackage echo;\n')
        self.lock = write(self.path("src", "manifest.lock.toml"), "[metadata]\nversion = 1\n")
        self.pkg = self.path("out", "echo.actr")

    def pack(self, *extra, output=None):
        args = ["pkg", "pack", "--manifest", self.manifest, "--binary", self.binary,
                "--resource", f"config/a.toml={self.conf}", "--resource", self.glue,
                "--proto", self.proto, "--lock", self.lock, "--key", self.key]
        if output is not False:
            args += ["--output", output or self.pkg]
        code, out, err = run(*args, *extra)
        self.assertEqual(code, 0, err)
        return out

    def verify(self, pkg=None, *extra):
        return run("pkg", "verify", "--package", pkg or self.pkg, "--pubkey", self.pubkey, *extra)

    def rebuild(self, replace, name="tampered.actr"):
        """Copies the package entry by entry, passing each entry's bytes through replace()."""
        out = self.path(name)
        with zipfile.ZipFile(self.pkg) as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                data = replace(item.filename, src.read(item))
                if data is not None:
                    dst.writestr(item, data)
        return out

    def test_round_trip(self):
        out = self.pack()
        self.assertIn(self.info["key_id"], out)
        self.assertEqual(stat.S_IMODE(os.stat(self.pkg).st_mode), 0o644)
        self.assertEqual(read_bytes(self.pkg)[:4], b"PK\x03\x04")
        # The entries, in the packer's order, all STORED.
        listing = tool("unzip", "-l", self.pkg).decode()
        expected = ["manifest.toml", "manifest.sig", "manifest.lock.toml", "bin/actor.wasm",
                    "config/a.toml", "resources/glue.js", "proto/echo.proto"]
        for name in expected:
            self.assertIn(name, listing)
        with zipfile.ZipFile(self.pkg) as z:
            self.assertEqual([i.filename for i in z.infolist()], expected)
            self.assertTrue(all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist()))
            m = tomllib.loads(z.read("manifest.toml").decode())
            self.assertEqual(z.read("bin/actor.wasm"), read_bytes(self.binary))
        # The manifest binds every file by its SHA-256, computed here independently.
        self.assertEqual((m["manufacturer"], m["name"], m["version"]),
                         ("acme", "EchoService", "1.0.0"))
        self.assertEqual(m["signature_algorithm"], "ed25519")
        self.assertEqual(m["signing_key_id"], self.info["key_id"])
        self.assertEqual(m["binary"], {"path": "bin/actor.wasm", "target": "wasm32-wasip2",
                                       "hash": sha256_file(self.binary),
                                       "size": os.path.getsize(self.binary),
                                       "kind": "component"})
        self.assertEqual(m["resources"], [
            {"path": "config/a.toml", "hash": sha256_file(self.conf)},
            {"path": "resources/glue.js", "hash": sha256_file(self.glue)}])
        self.assertEqual(m["proto_files"], [{"name": "echo.proto", "path": "proto/echo.proto",
                                             "hash": sha256_file(self.proto)}])
        self.assertEqual(m["lock_file"], {"path": "manifest.lock.toml",
                                          "hash": sha256_file(self.lock)})
        self.assertEqual(m["metadata"], {"description": "echo", "license": "MIT"})

        code, out, err = self.verify()
        self.assertEqual(code, 0, err)
        self.assertIn("valid", out)
        code, out, err = self.verify(None, "--json")
        self.assertEqual(code, 0, err)
        v = json.loads(out)
        self.assertEqual(v, {"valid": True, "manufacturer": "acme", "name": "EchoService",
                             "version": "1.0.0", "target": "wasm32-wasip2",
                             "key_id": self.info["key_id"], "signing_key_id": self.info["key_id"],
                             "trust": "pubkey"})
        # The positional form and a manufacturer key file as the trusted key work too.
        self.assertEqual(run("pkg", "verify", self.pkg, "--pubkey", self.key)[0], 0)

        code, out, err = run("pkg", "inspect", self.pkg)
        self.assertEqual(code, 0, err)
        for text in ("EchoService", "bin/actor.wasm", "stored", sha256_file(self.binary),
                     "not checked"):
            self.assertIn(text, out)
        code, out, err = run("pkg", "inspect", self.pkg, "--json")
        self.assertEqual(code, 0, err)
        r = json.loads(out)
        self.assertTrue(r["ok"])
        self.assertEqual(r["signature"], {"status": "not checked"})
        self.assertEqual([e["name"] for e in r["entries"]], expected)
        wasm = next(e for e in r["entries"] if e["name"] == "bin/actor.wasm")
        self.assertEqual((wasm["method"], wasm["size"], wasm["compressed_size"]),
                         ("stored", os.path.getsize(self.binary), os.path.getsize(self.binary)))
        self.assertEqual(len(r["hashes"]), 5)
        for h in r["hashes"]:
            self.assertEqual(h["status"], "ok")
            self.assertEqual(h["declared"], h["computed"])
        self.assertEqual(r["manifest"]["binary"]["kind"], "component")
        self.assertEqual(r["manifest"]["signing_key_id"], self.info["key_id"])
        code, out, err = run("pkg", "inspect", self.pkg, "--json", "--pubkey", self.pubkey)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["signature"],
                         {"status": "valid", "key_id": self.info["key_id"]})

    def test_wrong_key_fails_with_reason(self):
        self.pack()
        other = self.keygen("other/key.json")
        other_pub = self.path("other", "public-key.json")
        code, out, err = run("pkg", "verify", self.pkg, "--pubkey", other_pub)
        self.assertEqual(code, 1)
        self.assertIn("signature verification failed", err)
        self.assertEqual(out, "")
        code, out, err = run("pkg", "verify", self.pkg, "--pubkey", other_pub, "--json")
        self.assertEqual(code, 1)
        v = json.loads(out)
        self.assertEqual(v["valid"], False)
        self.assertIn("signature verification failed", v["error"])
        code, out, _ = run("pkg", "inspect", self.pkg, "--pubkey", other_pub, "--json")
        self.assertEqual(code, 1)
        sig = json.loads(out)["signature"]
        self.assertEqual((sig["status"], sig["key_id"]), ("invalid", other["key_id"]))

    def test_tampered_entries_are_named(self):
        self.pack()

        def flip(target):
            def replace(name, data):
                if name != target:
                    return data
                return bytes([data[0] ^ 1]) + data[1:]
            return replace

        cases = [("bin/actor.wasm", "binary hash mismatch: bin/actor.wasm"),
                 ("resources/glue.js", "resource hash mismatch: resources/glue.js"),
                 ("proto/echo.proto", "proto file hash mismatch: proto/echo.proto"),
                 ("manifest.lock.toml", "manifest lock file hash mismatch: manifest.lock.toml"),
                 ("manifest.toml", "signature verification failed")]
        for entry, reason in cases:
            bad = self.rebuild(flip(entry))
            code, out, err = self.verify(bad)
            self.assertEqual(code, 1, f"{entry}: {err}")
            self.assertIn(reason, err)
            code, out, _ = self.verify(bad, "--json")
            self.assertEqual(code, 1)
            v = json.loads(out)
            self.assertEqual(set(v), {"valid", "error"})
            self.assertFalse(v["valid"])
            self.assertIn(reason, v["error"])
        # inspect shows the mismatch without a key, and fails.
        bad = self.rebuild(flip("bin/actor.wasm"))
        code, out, _ = run("pkg", "inspect", bad, "--json")
        self.assertEqual(code, 1)
        r = json.loads(out)
        self.assertFalse(r["ok"])
        status = {h["path"]: h["status"] for h in r["hashes"]}
        self.assertEqual(status["bin/actor.wasm"], "mismatch")
        self.assertEqual(status["resources/glue.js"], "ok")

    def test_inspect_hashing_budget(self):
        self.pack()
        code, out, err = run("pkg", "inspect", self.pkg, "--json", "--max-bytes", "1K")
        self.assertEqual(code, 1, err)
        r = json.loads(out)
        status = {h["path"]: h["status"] for h in r["hashes"]}
        self.assertTrue(status["bin/actor.wasm"].startswith("not hashed"), status)
        self.assertEqual(status["config/a.toml"], "ok")
        self.assertFalse(r["ok"])

    def test_missing_entries(self):
        self.pack()
        no_sig = self.rebuild(lambda n, d: None if n == "manifest.sig" else d, "nosig.actr")
        code, _, err = self.verify(no_sig)
        self.assertEqual(code, 1)
        self.assertIn("manifest.sig not found", err)
        code, out, _ = run("pkg", "inspect", no_sig, "--json")
        self.assertEqual(code, 1)
        self.assertEqual(json.loads(out)["signature"]["status"], "invalid")
        no_res = self.rebuild(lambda n, d: None if n == "config/a.toml" else d, "nores.actr")
        code, _, err = self.verify(no_res)
        self.assertEqual(code, 1)
        self.assertIn("config/a.toml", err)
        code, out, _ = run("pkg", "inspect", no_res, "--json")
        self.assertEqual(code, 1)
        self.assertIn("missing", [h["status"] for h in json.loads(out)["hashes"]])

    def test_not_a_package(self):
        junk = write(self.path("junk.actr"), b"this is not a zip file")
        code, _, err = self.verify(junk)
        self.assertEqual(code, 1, err)
        code, out, _ = run("pkg", "inspect", junk, "--json")
        self.assertEqual(code, 1)
        self.assertIn("zip_error", json.loads(out))
        code, out, err = self.verify(self.path("absent.actr"), "--json")
        self.assertEqual(code, 3, err)
        self.assertEqual(json.loads(out)["valid"], False)
        code, _, err = run("pkg", "verify", junk, "--pubkey", self.path("absent.json"))
        self.assertEqual(code, 3, err)

    def test_hand_built_package_verifies(self):
        """zip + openssl + sha256sum, no actr involved, must satisfy actr pkg verify."""
        work = self.path("hand")
        os.makedirs(os.path.join(work, "bin"))
        # Compressible, so zip deflates it and the reader must inflate.
        binary = write(os.path.join(work, "bin", "actor.wasm"), b"\0asm" + b"hello " * 2000)
        digest = tool("sha256sum", binary).split()[0].decode()
        size = os.path.getsize(binary)
        manifest = write(os.path.join(work, "manifest.toml"), f"""\
manufacturer = "acme"
name = "Hand"
version = "0.1.0"
signing_key_id = "{self.info['key_id']}"

[binary]
path = "bin/actor.wasm"
target = "x86_64-unknown-linux-gnu"
hash = "{digest}"
size = {size}
""")
        sig = tool("openssl", "pkeyutl", "-sign", "-inkey", self.pem_private(self.key), "-rawin",
                   "-in", manifest)
        write(os.path.join(work, "manifest.sig"), sig)
        pkg = self.path("hand.actr")
        subprocess.run(["zip", "-q", "-X", pkg, "manifest.toml", "manifest.sig", "bin/actor.wasm"],
                       cwd=work, check=True, timeout=TIMEOUT)
        code, out, err = self.verify(pkg, "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["name"], "Hand")
        # zip deflates: inspect reports the method.
        code, out, err = run("pkg", "inspect", pkg, "--json")
        self.assertEqual(code, 0, err)
        methods = {e["name"]: e["method"] for e in json.loads(out)["entries"]}
        self.assertEqual(methods["bin/actor.wasm"], "deflated")
        # actr pkg sign gives the very signature openssl made.
        code, _, err = run("pkg", "sign", "-m", manifest, "-k", self.key, "-o", self.path("s.sig"))
        self.assertEqual(code, 0, err)
        self.assertEqual(read_bytes(self.path("s.sig")), sig)

    def test_default_output_and_project_manifest(self):
        project = write(self.path("proj", "manifest.toml"), """\
edition = 1
exports = ["protos/echo.proto"]

[package]
name = "echo-svc"
manufacturer = "acme"
version = "2.0.0"
description = "from a project manifest"

[binary]
path = "target/echo.so"
target = "x86_64-unknown-linux-gnu"
""")
        write(self.path("proj", "target", "echo.so"), b"\x7fELF" + b"\0" * 100)
        write(self.path("proj", "protos", "echo.proto"), "syntax = \"proto3\";\n")
        code, out, err = run("pkg", "pack", "-m", project, "-k", self.key)
        self.assertEqual(code, 0, err)
        pkg = self.path("proj", "dist", "acme-echo-svc-2.0.0-x86_64-unknown-linux-gnu.actr")
        self.assertIn(pkg, out)
        with zipfile.ZipFile(pkg) as z:
            m = tomllib.loads(z.read("manifest.toml").decode())
            self.assertEqual(z.read("bin/actor.wasm"), read_bytes(self.path("proj", "target",
                                                                            "echo.so")))
        self.assertEqual(m["binary"]["path"], "bin/actor.wasm")
        self.assertNotIn("kind", m["binary"])
        self.assertEqual(m["metadata"]["description"], "from a project manifest")
        self.assertEqual(m["proto_files"][0]["path"], "proto/echo.proto")
        self.assertEqual(self.verify(pkg)[0], 0)
        # --target overrides; the package manifest form writes into dist/ beside it too.
        code, out, err = run("pkg", "pack", "-m", self.manifest, "-b", self.binary, "-k", self.key,
                             "-t", "wasm32-wasip1")
        self.assertEqual(code, 0, err)
        self.assertTrue(os.path.exists(self.path("src", "dist",
                                                 "acme-EchoService-1.0.0-wasm32-wasip1.actr")))

    def test_pack_errors(self):
        def pack(*args):
            return run("pkg", "pack", "-k", self.key, "-o", self.pkg, *args)
        code, _, err = pack("-m", self.manifest)
        self.assertEqual(code, 2)
        self.assertIn("--binary", err)
        code, _, err = pack("-m", self.manifest, "-b", self.path("nope.wasm"))
        self.assertEqual(code, 3)
        self.assertIn("nope.wasm", err)
        bad = write(self.path("bad.toml"), "manufacturer = 1\n")
        code, _, err = pack("-m", bad, "-b", self.binary)
        self.assertEqual(code, 1)
        self.assertIn("bad.toml:1", err)
        self.assertIn("manufacturer", err)
        no_target = write(self.path("nt.toml"),
                          'manufacturer = "a"\nname = "b"\nversion = "1"\n[binary]\n')
        code, _, err = pack("-m", no_target, "-b", self.binary)
        self.assertEqual(code, 1)
        self.assertIn("binary.target", err)
        unsafe = write(self.path("unsafe.toml"), MANIFEST.replace('"acme"', '"../acme"'))
        code, _, err = pack("-m", unsafe, "-b", self.binary)
        self.assertEqual(code, 1, err)
        code, _, err = pack("-m", self.manifest, "-b", self.binary, "-r",
                            f"bin/actor.wasm={self.glue}")
        self.assertEqual(code, 1, err)
        self.assertFalse(os.path.exists(self.pkg))

    def test_registry_trust(self):
        self.pack()
        pub_b64 = json.loads(read_bytes(self.pubkey))["public_key"]
        seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                body = json.dumps({"public_key": pub_b64}).encode()
                self.send_response(200 if self.path.startswith("/mfr/acme/") else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_port}/ais"
        code, out, err = run("pkg", "verify", self.pkg, "--registry", url, "--json")
        self.assertEqual(code, 0, err)
        v = json.loads(out)
        self.assertEqual((v["valid"], v["trust"], v["key_id"]),
                         (True, "registry", self.info["key_id"]))
        self.assertEqual(seen, [f"/mfr/acme/verifying_key?key_id={self.info['key_id']}"])
        # Nothing listening: an I/O failure, exit 3.
        server.shutdown()
        server.server_close()
        code, out, err = run("pkg", "verify", self.pkg, "--registry", url, "--json")
        self.assertEqual(code, 3, err)
        self.assertFalse(json.loads(out)["valid"])

    def test_progress_bar_only_on_a_terminal(self):
        big = write(self.path("big.wasm"), os.urandom(9 * 1024 * 1024))
        args = [ACTR, "pkg", "pack", "-m", self.manifest, "-b", big, "-k", self.key, "-o",
                self.pkg]
        # stderr is a pipe: no progress output at all.
        proc = subprocess.run(args, capture_output=True, timeout=TIMEOUT)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, b"")
        # stderr is a terminal: a bar that reaches 100%.
        master, slave = pty.openpty()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the program closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        self.assertEqual(proc.wait(timeout=TIMEOUT), 0, seen)
        self.assertIn(b"reading [", seen)
        self.assertIn(b"100%", seen)
        self.assertEqual(self.verify()[0], 0)


if __name__ == "__main__":
    if not os.access(ACTR, os.X_OK):
        sys.exit(f"{ACTR} is not an executable; set ACTR_BIN_DIR")
    unittest.main(verbosity=2)
