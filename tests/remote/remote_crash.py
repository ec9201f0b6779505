"""remote_crash: the durable mailbox survives kill -9 (runtime.md 11.4-11.5; docs/MAILBOX.md
"Recovery": rows in flight at a crash are queued again, unlike the reference).

A service with [storage] mailbox_path whose Count handler blocks (until a file exists) receives
N tells from a client. Once all N are committed in the mailbox file (read with sqlite3) and the
first is inside the handler, the service is killed with SIGKILL: no handler has finished. The
service is restarted with the same actr.toml and mailbox (it registers again and may get a new
serial). Every one of the N tells is then handled exactly once (the count file holds each
payload once, under N distinct request ids), the restarted service serves live calls too, and
after its clean stop the mailbox is empty, so nothing is left to be handled twice.
"""
import signal

from node_harness import (Env, check, finish, free_port, mailbox_query, read_lines, say,
                          wait_until)

SVC = "acme:RtService:1.0.0"
CLI = "acme:RtClient:1.0.0"
N = 20


def mailbox_rows(path):
    """Rows in the mailbox table, or -1 when the file cannot be read yet."""
    rows = mailbox_query(path, "SELECT COUNT(*) FROM messages")
    return rows[0][0] if rows else -1


with Env() as env:
    env.start_actrd()
    counted = env.path("counted")
    mailbox = env.path("svc-mailbox.db")
    cfg = env.config("svc", ws_port=free_port(), allow=[CLI], mailbox=mailbox)
    svc = env.node("svc", SVC, cfg, "--count-file", counted, "--block-until", env.path("go"))
    cli = env.node("cli", CLI, env.config("cli"))
    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc.id, "client discovered the service")

    ok, n = cli.cmd("tells rt.Svc.Count %d crash" % N)
    check(ok and n == str(N), "client sent %d tells" % N)
    check(svc.next_line(lambda l: l == "blocked crash-0") is not None,
          "the first tell is inside the (blocked) handler")
    rows = wait_until(lambda: mailbox_rows(mailbox) == N, 20)
    check(rows, "all %d tells are committed in the mailbox file (%d rows)"
          % (N, mailbox_rows(mailbox)))

    check(svc.stop(signal.SIGKILL) == -signal.SIGKILL, "service killed with SIGKILL")
    check(read_lines(counted) == [], "no handler finished before the crash")
    check(mailbox_rows(mailbox) == N, "the %d messages are still in the mailbox file" % N)

    ok, e = cli.cmd("call rt.Svc.Echo 2000 anyone there")
    check(ok is False and e[0] in ("ETIMEDOUT", "EUNAVAILABLE", "ECLOSED"),
          "a call to the dead service fails within its deadline (%s)" % (e,))

    svc2 = env.node("svc2", SVC, cfg, "--count-file", counted)
    say("restarted as %s (was %s)" % (svc2.id, svc.id))
    lines = wait_until(lambda: len(read_lines(counted)) >= N and read_lines(counted), 30)
    lines = read_lines(counted)
    payloads = sorted(l.split(" ", 1)[1] for l in lines)
    rids = set(l.split(" ", 1)[0] for l in lines)
    check(payloads == sorted("crash-%d" % i for i in range(N)),
          "after the restart every tell was handled exactly once (%d lines)" % len(lines))
    check(len(rids) == N, "under %d distinct request ids" % len(rids))

    ok, found = cli.cmd("discover " + SVC)
    check(ok and found == svc2.id, "the client finds the restarted service (%s)" % found)
    ok, reply = cli.cmd("call rt.Svc.Count 5000 live")
    check(ok and reply == "count=%d" % (N + 1),
          "the restarted service serves a live call after the recovered tells: %r" % reply)

    check(cli.stop() == 0, "client exits cleanly")
    check(svc2.stop() == 0, "restarted service exits cleanly")
    check(mailbox_rows(mailbox) == 0, "its mailbox is empty after the clean stop (all acked)")
    final = read_lines(counted)
    check(len(final) == N + 1, "nothing was handled twice (%d lines)" % len(final))
finish()
