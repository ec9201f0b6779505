"""`actrd serve` options and actrd.toml as an operator meets them: a file sets limits, flags
override the file, mistakes stop the server with the file's line, and without --listen actrd
serves where `actrd init --listen` said nodes would connect."""
import os
import socket
import subprocess

from actrd_conf import ACTRD, Actrd, check, finish, run


def serve(*args):
    return subprocess.run([ACTRD, "serve", *args], capture_output=True, text=True, timeout=30)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main():
    out = serve("--help")
    check(out.returncode == 0 and "--config FILE" in out.stdout, "serve --help")
    out = serve("--bogus")
    check(out.returncode == 2 and "unknown option `--bogus`" in out.stderr, "an unknown flag: 2")
    out = serve("--listen")
    check(out.returncode == 2 and "missing value" in out.stderr, "a flag without value: 2")
    out = serve()
    check(out.returncode == 2 and "data" in out.stderr, "no data directory: 2")

    with Actrd() as srv:
        bad = os.path.join(srv.dir, "bad.toml")
        with open(bad, "w") as f:
            f.write("[limits]\nhttp_bust = 3\n")
        out = serve("--config", bad, "--data-dir", srv.data)
        check(out.returncode == 2 and "bad.toml:2: unknown key `limits.http_bust`" in out.stderr,
              "a typo in the file names its line (%s)" % out.stderr.strip())
        out = serve("--data-dir", srv.data, "--set", "limits.max_frame_bytes=1")
        check(out.returncode == 2 and "limits.max_frame_bytes" in out.stderr,
              "an out-of-range --set: 2")

        port = free_port()
        srv.init_args = ["--listen", "127.0.0.1:%d" % port]
        subprocess.run([ACTRD, "init", "--data-dir", srv.data, "--json", *srv.init_args],
                       check=True, capture_output=True, timeout=30)
        good = os.path.join(srv.dir, "actrd.toml")
        with open(good, "w") as f:
            f.write('log_level = "info"\n[limits]\nhttp_burst = 3\nhttp_rate_per_sec = 0.01\n')
        # No --listen: the address init recorded. The file sets a burst of 3 for AIS.
        srv.start("--config", good, listen=None)
        check(srv.port == port, "serves on the address `init --listen` recorded")
        statuses = [srv.http("POST", "/ais/register", b"\xff")[0] for _ in range(5)]
        check(statuses == [200, 200, 200, 429, 429], "the file's burst applies (%s)" % statuses)
        check(srv.stop() == 0, "clean exit")
        # A flag overrides the file.
        srv.start("--config", good, "--set", "limits.http_burst=5")
        statuses = [srv.http("POST", "/ais/register", b"\xff")[0] for _ in range(6)]
        check(statuses == [200] * 5 + [429], "--set overrides the file (%s)" % statuses)
        check(srv.stop() == 0, "clean exit")
        check("Sanitizer" not in srv.log(), "no sanitizer report")

        # The port is taken: actrd says so and exits 1.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            busy = s.getsockname()[1]
            out = serve("--data-dir", srv.data, "--listen", "127.0.0.1:%d" % busy)
        check(out.returncode == 1 and "cannot listen" in out.stderr,
              "a busy port: exit 1 with a message")
    finish()


run(main())
