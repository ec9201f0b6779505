/*
 * test_node - one actor node in its own process, for the networked-node tests (tests/remote/,
 * docs/TESTING-REMOTE.md). Public API only (libactr), like a real user's program.
 *
 * It registers with AIS from actr.toml as TYPE, connects to signaling and serves these routes
 * (so the same program is the "service" of every test):
 *
 *   rt.Svc.Echo   "Echo: <payload>"; with --fail-first K the first K calls fail with
 *                 EUNAVAILABLE "failing call i of K" (wire 10001 derived by the runtime)
 *   rt.Svc.Fail   always fails: EINVAL "rejected: <payload>" (wire 10005)
 *   rt.Svc.Slow   sleeps --sleep-ms (default 1000), counts (below), answers "slept <payload>"
 *   rt.Svc.Meet   waits (at most --sleep-ms) until --meet N Meet handlers have started, then answers
 *                 "Echo: <payload>" (else answers "met alone", not an echo): only possible when N
 *                 requests run at once. --conflict-field TAG declares Meet's conflict key as
 *                 the string payload field TAG (docs/DISPATCH.md), which engages the scheduler
 *   rt.Svc.Count  with --block-until FILE first waits (at most 60 s) until FILE exists, printing
 *                 "blocked <payload>" once; then counts and answers "count=<Count messages
 *                 handled so far in this process>"
 *   rt.Svc.Urgent counts, answers "urgent <payload>" (a client started with --signal
 *                 rt.Svc.Urgent sends it on the RPC_SIGNAL lane: tests/remote/remote_lanes*.py)
 *
 * Counting appends "<request id> <payload>" to --count-file, so a driver sees every handler run.
 *
 * and it is also a client driven by commands on standard input, one per line, each answered by
 * one line "ok ..." or "err <ERRNAME> <wire code> <message>" on standard output:
 *
 *   discover TYPE                  ok <id>            (the id becomes the target)
 *   call ROUTE TIMEOUT_MS PAYLOAD  ok <reply>
 *   tell ROUTE PAYLOAD             ok
 *   tells ROUTE N PREFIX           ok N               (N tells with payloads PREFIX-0 ...)
 *   calls ROUTE TIMEOUT_MS N PREFIX     ok N          (N calls in a row, each answer checked
 *   acalls ROUTE TIMEOUT_MS N PREFIX    ok N           to be "Echo: PREFIX-i"; acalls: all N
 *                                                      in flight at once)
 *   callbig ROUTE TIMEOUT_MS SIZE  ok SIZE            (a SIZE-byte payload echoed byte-exact)
 *   acall ROUTE TIMEOUT_MS PAYLOAD ok started         (one asynchronous call; its outcome
 *                                                      comes later as "acall-done ok <reply>"
 *                                                      or "acall-done err ...")
 *   id                             ok <own id>
 *   netevent path available|unavailable|unknown, netevent force|cleanup    ok
 *   sregister STREAM SLOW_MS [FIRST_MS]  ok           (registers STREAM here; its callback
 *                                                      sleeps SLOW_MS per chunk, FIRST_MS on
 *                                                      the first one)
 *   ssend STREAM LANE TOTAL CHUNK  ok sent=N hash=H   (TOTAL bytes to the target's STREAM in
 *                                                      CHUNK-byte chunks, lane 2 or 3)
 *   sstats STREAM                  ok chunks=N bytes=B order_errors=E hash=H latency_dropped=L
 *                                     unknown=U malformed=M received=R
 *                                                     (what STREAM received; H: FNV-1a of the
 *                                                      payloads in sequence order)
 *   quit                           (shuts down; so does end of input or SIGTERM)
 *
 * The stream routes and commands are in test_node_streams.c.
 *
 * Other lines on standard output: "ready <id>" once started, "hook <name> ..." for every
 * observation hook. Logs go to standard error.
 *
 *   test_node --config actr.toml --type acme:Svc:1.0.0 [--count-file F] [--block-until F]
 *             [--sleep-ms N] [--fail-first K] [--meet N] [--conflict-field TAG]
 *             [--signal ROUTE]...   (ROUTE's calls and tells take RPC_SIGNAL, node.h)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actr/config.h"
#include "actr/ctx.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/stream.h"
#include "actr/workload.h"
#include "test_node.h"

#define BLOCK_LIMIT_MS 60000
#define MAX_TELLS 100000
#define MAX_BATCH 10000
#define MAX_BIG (32 * 1024 * 1024) /* twice the WebSocket hub's 16 MiB message limit */

typedef struct opts {
    const char *config;
    const char *type;
    const char *count_file;
    const char *block_until;
    long sleep_ms;
    long fail_first;
    long meet;           /* Meet handlers that must be inside at once */
    long conflict_field; /* 0: no conflict keys (a serial actor) */
    actr_lane_decl_t signal[4]; /* --signal: routes declared on RPC_SIGNAL */
    size_t nsignal;
} opts_t;

static opts_t g_opts = {.sleep_ms = 1000, .meet = 2};
static long g_meet_arrived; /* atomics: Meet handlers may run at once */
static pthread_mutex_t g_out_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_echo_calls;  /* handlers of one actor never run at once: no lock needed */
static long g_counted;

/* One line on stdout, whole (hooks run on workers while main answers commands). */
void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&g_out_lock);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&g_out_lock);
    va_end(ap);
}

void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int reply_text(actr_buf_t *resp, actr_error_t *err, const char *prefix,
                      const actr_buf_t *req)
{
    size_t plen = strlen(prefix);
    uint8_t *out;
    int rc = actr_buf_alloc(plen + req->len + 1, resp, &out);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    memcpy(out, prefix, plen);
    if (req->len)
        memcpy(out + plen, req->data, req->len);
    resp->len = plen + req->len;
    return 0;
}

static int h_echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    (void)self;
    (void)ctx;
    long n = ++g_echo_calls;
    if (n <= g_opts.fail_first)
        return actr_error_set(err, ACTR_EUNAVAILABLE, ACTR_KIND_TRANSIENT, 0,
                              "failing call %ld of %ld", n, g_opts.fail_first);
    return reply_text(resp, err, "Echo: ", req);
}

static int h_fail(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    (void)self;
    (void)ctx;
    (void)resp;
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "rejected: %.*s",
                          (int)(req->len > 64 ? 64 : req->len), (const char *)req->data);
}

/* Appends "<request id> <payload>" to --count-file (one write: lines never interleave). */
static int count_line(actr_ctx_t *ctx, const actr_buf_t *req, actr_error_t *err)
{
    if (!g_opts.count_file)
        return 0;
    char line[512];
    int n = snprintf(line, sizeof line, "%s %.*s\n", actr_ctx_request_id(ctx),
                     (int)(req->len > 256 ? 256 : req->len),
                     req->len ? (const char *)req->data : "");
    int fd = open(g_opts.count_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && n > 0 && n < (int)sizeof line && write(fd, line, (size_t)n) == n;
    if (fd >= 0)
        close(fd);
    return ok ? 0
              : actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "cannot write %s",
                               g_opts.count_file);
}

static int h_meet(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    (void)self;
    (void)ctx;
    __atomic_add_fetch(&g_meet_arrived, 1, __ATOMIC_SEQ_CST);
    for (long waited = 0; __atomic_load_n(&g_meet_arrived, __ATOMIC_SEQ_CST) < g_opts.meet;
         waited++) {
        if (waited >= g_opts.sleep_ms)
            return actr_buf_copy("met alone", 9, resp);
        sleep_ms(1);
    }
    return reply_text(resp, err, "Echo: ", req);
}

static int h_slow(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    (void)self;
    sleep_ms(g_opts.sleep_ms);
    int rc = count_line(ctx, req, err);
    return rc != 0 ? rc : reply_text(resp, err, "slept ", req);
}

static int h_count(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                   actr_error_t *err)
{
    (void)self;
    if (g_opts.block_until && access(g_opts.block_until, F_OK) != 0) {
        say("blocked %.*s", (int)(req->len > 256 ? 256 : req->len),
            req->len ? (const char *)req->data : "");
        long waited = 0;
        while (access(g_opts.block_until, F_OK) != 0 && waited < BLOCK_LIMIT_MS) {
            sleep_ms(10);
            waited += 10;
        }
        if (waited >= BLOCK_LIMIT_MS)
            return actr_error_set(err, ACTR_ETIMEDOUT, ACTR_KIND_TRANSIENT, 0,
                                  "%s never appeared", g_opts.block_until);
    }
    int rc = count_line(ctx, req, err);
    if (rc != 0)
        return rc;
    char text[64];
    snprintf(text, sizeof text, "count=%ld", ++g_counted);
    return actr_buf_copy(text, strlen(text), resp);
}

static int h_urgent(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                    actr_error_t *err)
{
    (void)self;
    int rc = count_line(ctx, req, err);
    return rc != 0 ? rc : reply_text(resp, err, "urgent ", req);
}

static void on_hook(void *self, actr_ctx_t *ctx, const actr_hook_event_t *ev)
{
    (void)self;
    (void)ctx;
    char peer[ACTR_ID_STR_SIZE] = "-";
    if (ev->has_peer)
        actr_id_format(&ev->peer, peer, sizeof peer, NULL);
    if (ev->kind == ACTR_HOOK_ERROR) /* e.g. data chunk delivery uncertain (streams) */
        say("hook %s peer=%s category=%d msg=%s", actr_hook_kind_name(ev->kind), peer,
            (int)ev->error_category, ev->message);
    else
        say("hook %s peer=%s expiry=%llu attempt=%u", actr_hook_kind_name(ev->kind), peer,
            (unsigned long long)ev->expiry_s, ev->attempt);
}

/* ---- commands ---- */

void say_err(const char *what, int rc, const actr_error_t *err)
{
    say("err %s %u %s: %s", actr_err_name(rc), err->wire_code, what,
        err->message[0] ? err->message : actr_strerror(rc));
}

/* Splits off the next space-separated word of *s (NULL when none). */
static char *word(char **s)
{
    char *p = *s;
    while (*p == ' ')
        p++;
    if (!*p)
        return NULL;
    char *e = strchr(p, ' ');
    if (e) {
        *e = '\0';
        *s = e + 1;
    } else {
        *s = p + strlen(p);
    }
    return p;
}

static void cmd_discover(client_t *c, char *rest)
{
    actr_error_t err = {0};
    actr_type_t type;
    char *t = word(&rest);
    int rc = t ? actr_type_parse(&type, t, strlen(t), &err) : ACTR_EINVAL;
    if (rc == 0)
        rc = actr_ref_discover(c->ref, &type, &c->target, &err);
    if (rc != 0) {
        say_err("discover", rc, &err);
        return;
    }
    c->has_target = true;
    char id[ACTR_ID_STR_SIZE];
    actr_id_format(&c->target, id, sizeof id, NULL);
    say("ok %s", id);
}

static void cmd_call(client_t *c, char *rest)
{
    actr_error_t err = {0};
    char *route = word(&rest);
    char *tmo = word(&rest);
    if (!route || !tmo || !c->has_target) {
        say("err EINVAL 0 call: usage: call ROUTE TIMEOUT_MS PAYLOAD (after discover)");
        return;
    }
    actr_buf_t req = actr_buf_static(rest, strlen(rest));
    actr_buf_t reply = ACTR_BUF_INIT;
    int rc = actr_ref_call(c->ref, &c->target, route, &req, strtoll(tmo, NULL, 10), &reply, &err);
    if (rc != 0)
        say_err("call", rc, &err);
    else
        say("ok %.*s", (int)reply.len, reply.len ? (const char *)reply.data : "");
    actr_buf_release(&reply);
}

static void cmd_tells(client_t *c, char *rest, bool many)
{
    actr_error_t err = {0};
    char *route = word(&rest);
    long n = 1;
    if (many) {
        char *count = word(&rest);
        n = count ? strtol(count, NULL, 10) : 0;
    }
    if (!route || !c->has_target || n < 1 || n > MAX_TELLS) {
        say("err EINVAL 0 tell: usage: tell ROUTE PAYLOAD | tells ROUTE N PREFIX");
        return;
    }
    for (long i = 0; i < n; i++) {
        char payload[LINE_MAX_LEN + 32];
        if (many)
            snprintf(payload, sizeof payload, "%s-%ld", rest, i);
        else
            snprintf(payload, sizeof payload, "%s", rest);
        actr_buf_t req = actr_buf_static(payload, strlen(payload));
        int rc = actr_ref_tell(c->ref, &c->target, route, &req, ACTR_TELL_TIMEOUT_MS, &err);
        if (rc != 0) {
            say_err("tell", rc, &err);
            return;
        }
    }
    if (many)
        say("ok %ld", n);
    else
        say("ok");
}

static bool is_echo_of(const actr_buf_t *reply, const char *payload, size_t len)
{
    return reply->len == len + 6 && memcmp(reply->data, "Echo: ", 6) == 0 &&
           memcmp((const uint8_t *)reply->data + 6, payload, len) == 0;
}

/* callbig ROUTE TIMEOUT_MS SIZE: one call carrying SIZE bytes; ok SIZE when the answer is
 * "Echo: " and the same bytes. */
static void cmd_callbig(client_t *c, char *rest)
{
    char *route = word(&rest), *tmo = word(&rest), *size = word(&rest);
    long n = size ? strtol(size, NULL, 10) : 0;
    char *payload = n > 0 && n <= MAX_BIG ? malloc((size_t)n) : NULL;
    if (!route || !tmo || !payload || !c->has_target) {
        free(payload);
        say("err EINVAL 0 callbig: usage: callbig ROUTE TIMEOUT_MS SIZE (1..%d)", MAX_BIG);
        return;
    }
    for (long i = 0; i < n; i++)
        payload[i] = (char)('a' + (i * 7 + i / 251) % 26); /* not periodic in 26 or 256 */
    actr_error_t err = {0};
    actr_buf_t req = actr_buf_static(payload, (size_t)n);
    actr_buf_t reply = ACTR_BUF_INIT;
    int rc = actr_ref_call(c->ref, &c->target, route, &req, strtoll(tmo, NULL, 10), &reply, &err);
    if (rc != 0)
        say_err("callbig", rc, &err);
    else if (!is_echo_of(&reply, payload, (size_t)n))
        say("err EPROTO 0 callbig: the answer (%zu bytes) is not the echo", reply.len);
    else
        say("ok %ld", n);
    actr_buf_release(&reply);
    free(payload);
}

/* acall: the outcome of one asynchronous call, printed when it comes. */
static void on_acall_done(actr_ctx_t *ctx, void *ud, int status, const actr_buf_t *response,
                          const actr_error_t *err)
{
    (void)ctx, (void)ud;
    if (status != 0)
        say("acall-done err %s %u %s", actr_err_name(status), err ? err->wire_code : 0,
            err && err->message[0] ? err->message : actr_strerror(status));
    else
        say("acall-done ok %.*s", (int)response->len,
            response->len ? (const char *)response->data : "");
}

static void cmd_acall(client_t *c, char *rest)
{
    actr_error_t err = {0};
    char *route = word(&rest), *tmo = word(&rest);
    if (!route || !tmo || !c->has_target) {
        say("err EINVAL 0 acall: usage: acall ROUTE TIMEOUT_MS PAYLOAD (after discover)");
        return;
    }
    actr_buf_t req = actr_buf_static(rest, strlen(rest));
    int rc = actr_ref_call_async(c->ref, &c->target, route, &req, strtoll(tmo, NULL, 10),
                                 on_acall_done, NULL, &err);
    if (rc != 0)
        say_err("acall", rc, &err);
    else
        say("ok started");
}

/* N calls with payloads PREFIX-0 ...: one after the other (calls) or all in flight at once
 * (acalls); ok N when every answer is the echo of its own payload. */
typedef struct batch {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    long done, good;
    int first_rc;
    actr_error_t first_err;
} batch_t;

typedef struct slot {
    batch_t *b;
    char payload[96];
} slot_t;

static void on_async_reply(actr_ctx_t *ctx, void *ud, int status, const actr_buf_t *response,
                           const actr_error_t *err)
{
    (void)ctx;
    slot_t *s = ud;
    batch_t *b = s->b;
    bool good = status == 0 && is_echo_of(response, s->payload, strlen(s->payload));
    pthread_mutex_lock(&b->lock);
    if (good) {
        b->good++;
    } else if (!b->first_rc) {
        b->first_rc = status ? status : ACTR_EPROTO;
        if (err)
            b->first_err = *err;
    }
    b->done++;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

static void cmd_calls(client_t *c, char *rest, bool async)
{
    char *route = word(&rest), *tmo = word(&rest), *count = word(&rest);
    long n = count ? strtol(count, NULL, 10) : 0;
    int64_t timeout_ms = tmo ? strtoll(tmo, NULL, 10) : 0;
    slot_t *slots = n > 0 && n <= MAX_BATCH ? calloc((size_t)n, sizeof *slots) : NULL;
    if (!route || !slots || !c->has_target) {
        free(slots);
        say("err EINVAL 0 calls: usage: [a]calls ROUTE TIMEOUT_MS N PREFIX (N 1..%d)", MAX_BATCH);
        return;
    }
    batch_t *b = calloc(1, sizeof *b);
    if (!b) {
        free(slots);
        say("err ENOMEM 0 calls: out of memory");
        return;
    }
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    for (long i = 0; i < n; i++) {
        slot_t *s = &slots[i];
        s->b = b;
        snprintf(s->payload, sizeof s->payload, "%.64s-%ld", rest, i);
        actr_buf_t req = actr_buf_static(s->payload, strlen(s->payload));
        actr_error_t err = {0};
        if (async) {
            int rc = actr_ref_call_async(c->ref, &c->target, route, &req, timeout_ms,
                                         on_async_reply, s, &err);
            if (rc != 0)
                on_async_reply(NULL, s, rc, NULL, &err); /* counts it as failed */
        } else {
            actr_buf_t reply = ACTR_BUF_INIT;
            int rc = actr_ref_call(c->ref, &c->target, route, &req, timeout_ms, &reply, &err);
            on_async_reply(NULL, s, rc, &reply, &err);
            actr_buf_release(&reply);
        }
    }
    /* Every callback runs exactly once, by its deadline at the latest. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(timeout_ms / 1000) + 10;
    pthread_mutex_lock(&b->lock);
    while (b->done < n && pthread_cond_timedwait(&b->cond, &b->lock, &until) == 0)
        ;
    long done = b->done, good = b->good;
    int first_rc = b->first_rc;
    actr_error_t first_err = b->first_err;
    pthread_mutex_unlock(&b->lock);
    if (done < n) {
        say("err ETIMEDOUT 0 calls: only %ld of %ld completed", done, n);
        return; /* b and the slots stay allocated: late callbacks may still use them */
    }
    if (good == n)
        say("ok %ld", n);
    else
        say("err %s %u calls: %ld of %ld good; first failure: %s", actr_err_name(first_rc),
            first_err.wire_code, good, n,
            first_err.message[0] ? first_err.message : actr_strerror(first_rc));
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
    free(b);
    free(slots);
}

/* Network-event commands: the block at the end of the file. */
static actr_node_t *g_net_node;
static bool cmd_netevent(const char *cmd, char *rest);

/* Reads commands until quit, end of input or SIGTERM/SIGINT (see on_signal). */
static void serve_commands(client_t *c)
{
    static char line[LINE_MAX_LEN];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *rest = line;
        char *cmd = word(&rest);
        if (!cmd)
            continue;
        if (strcmp(cmd, "quit") == 0)
            break;
        if (strcmp(cmd, "discover") == 0) {
            cmd_discover(c, rest);
        } else if (strcmp(cmd, "call") == 0) {
            cmd_call(c, rest);
        } else if (strcmp(cmd, "tell") == 0) {
            cmd_tells(c, rest, false);
        } else if (strcmp(cmd, "tells") == 0) {
            cmd_tells(c, rest, true);
        } else if (strcmp(cmd, "acall") == 0) {
            cmd_acall(c, rest);
        } else if (strcmp(cmd, "callbig") == 0) {
            cmd_callbig(c, rest);
        } else if (strcmp(cmd, "calls") == 0) {
            cmd_calls(c, rest, false);
        } else if (strcmp(cmd, "acalls") == 0) {
            cmd_calls(c, rest, true);
        } else if (strcmp(cmd, "sregister") == 0) {
            test_node_stream_cmd(c, "rt.Stream.Register", rest, false);
        } else if (strcmp(cmd, "ssend") == 0) {
            test_node_stream_cmd(c, "rt.Stream.Send", rest, true);
        } else if (strcmp(cmd, "sstats") == 0) {
            test_node_stream_cmd(c, "rt.Stream.Stats", rest, false);
        } else if (strcmp(cmd, "id") == 0) {
            char id[ACTR_ID_STR_SIZE];
            actr_id_format(actr_ref_id(c->ref), id, sizeof id, NULL);
            say("ok %s", id);
        } else if (cmd_netevent(cmd, rest)) {
        } else {
            say("err EINVAL 0 unknown command %s", cmd);
        }
    }
}

/* Ends the command loop: a read in progress fails with EINTR (no SA_RESTART), a later one
 * with EBADF, so a signal arriving between two reads is not lost. */
static void on_signal(int sig)
{
    (void)sig;
    close(STDIN_FILENO);
}

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(a, "--config") == 0)
            g_opts.config = v;
        else if (strcmp(a, "--type") == 0)
            g_opts.type = v;
        else if (strcmp(a, "--count-file") == 0)
            g_opts.count_file = v;
        else if (strcmp(a, "--block-until") == 0)
            g_opts.block_until = v;
        else if (strcmp(a, "--sleep-ms") == 0)
            g_opts.sleep_ms = strtol(v, NULL, 10);
        else if (strcmp(a, "--fail-first") == 0)
            g_opts.fail_first = strtol(v, NULL, 10);
        else if (strcmp(a, "--meet") == 0)
            g_opts.meet = strtol(v, NULL, 10);
        else if (strcmp(a, "--conflict-field") == 0)
            g_opts.conflict_field = strtol(v, NULL, 10);
        else if (strcmp(a, "--signal") == 0 && g_opts.nsignal < 4)
            g_opts.signal[g_opts.nsignal++] = (actr_lane_decl_t){v, ACTR_LANE_RPC_SIGNAL};
        else
            return -1;
        i++;
    }
    return g_opts.config && g_opts.type && g_opts.sleep_ms >= 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) != 0) {
        fprintf(stderr, "usage: test_node --config actr.toml --type M:N:V [--count-file F] "
                        "[--block-until F] [--sleep-ms N] [--fail-first K] [--meet N] "
                        "[--conflict-field TAG] [--signal ROUTE]...\n");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* The runtime's threads inherit a mask blocking the stop signals, so they reach this thread
     * and interrupt its read of standard input. */
    sigset_t stop_sigs;
    sigemptyset(&stop_sigs);
    sigaddset(&stop_sigs, SIGTERM);
    sigaddset(&stop_sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);

    static const actr_route_t routes[] = {
        {"rt.Svc.Echo", h_echo},
        {"rt.Svc.Fail", h_fail},
        {"rt.Svc.Slow", h_slow},
        {"rt.Svc.Count", h_count},
        {"rt.Svc.Meet", h_meet},
        {"rt.Svc.Urgent", h_urgent},
        {"rt.Stream.Register", test_node_stream_register},
        {"rt.Stream.Send", test_node_stream_send},
        {"rt.Stream.Stats", test_node_stream_stats},
    };
    const actr_conflict_decl_t meet_key = {"rt.Svc.Meet", ACTR_CONFLICT_PAYLOAD_FIELD,
                                           (uint32_t)g_opts.conflict_field, ACTR_FIELD_STRING,
                                           NULL};
    static const actr_workload_vtable_t hooks = {.on_hook = on_hook};
    actr_error_t err = {0};
    actr_runtime_config_t cfg;
    actr_type_t type;
    actr_hyper_options_t ho;
    actr_hyper_t *hyper = NULL;
    actr_node_t *node = NULL;
    actr_workload_t wl;
    client_t client = {0};
    int rc = actr_runtime_config_load(g_opts.config, &cfg, &err);
    if (rc != 0) {
        fprintf(stderr, "test_node: %s\n", err.message);
        return 1;
    }
    actr_hyper_options_init(&ho);
    ho.workers = 2;
    rc = actr_type_parse(&type, g_opts.type, strlen(g_opts.type), &err);
    if (rc == 0)
        rc = actr_hyper_new(&ho, &hyper, &err);
    if (rc == 0)
        rc = actr_node_new(hyper, &cfg, &node, &err);
    test_node_streams_bind(node);
    if (rc == 0)
        rc = actr_node_set_type(node, &type, &err);
    if (rc == 0)
        rc = actr_workload_from_routes(routes, sizeof routes / sizeof routes[0], &hooks, NULL,
                                       &wl, &err);
    if (rc == 0)
        rc = actr_node_link(node, &wl, &err);
    if (rc == 0 && g_opts.conflict_field > 0)
        rc = actr_node_set_conflict_keys(node, &meet_key, 1, &err);
    if (rc == 0 && g_opts.nsignal > 0)
        rc = actr_node_set_route_lanes(node, g_opts.signal, g_opts.nsignal, &err);
    if (rc == 0)
        rc = actr_node_register(node, &err);
    if (rc == 0)
        rc = actr_node_start(node, &client.ref, &err);
    if (rc != 0) {
        fprintf(stderr, "test_node: %s (%s)\n", err.message, actr_err_name(rc));
    } else {
        char id[ACTR_ID_STR_SIZE];
        actr_id_format(actr_node_id(node), id, sizeof id, NULL);
        pthread_sigmask(SIG_UNBLOCK, &stop_sigs, NULL);
        g_net_node = node;
        say("ready %s", id);
        serve_commands(&client);
        say("stopping");
        actr_ref_shutdown(client.ref);
        actr_ref_wait(client.ref, 30000);
    }
    actr_node_free(node);
    actr_hyper_free(hyper);
    actr_runtime_config_free(&cfg);
    return rc == 0 ? 0 : 1;
}

/* ---- network events (task "ice", tests/remote/remote_webrtc_*.py) ----
 *   netevent path available|unavailable|unknown   ok    (actr_node_network_event)
 *   netevent force | netevent cleanup              ok
 */
static bool cmd_netevent(const char *cmd, char *rest)
{
    if (strcmp(cmd, "netevent") != 0)
        return false;
    char *what = word(&rest), *avail = word(&rest);
    actr_network_event_kind_t kind = ACTR_NETWORK_PATH_CHANGED;
    actr_network_availability_t a = ACTR_NETWORK_UNKNOWN;
    int rc = 0;
    if (what && strcmp(what, "force") == 0)
        kind = ACTR_NETWORK_FORCE_RECONNECT;
    else if (what && strcmp(what, "cleanup") == 0)
        kind = ACTR_NETWORK_CLEANUP_CONNECTIONS;
    else if (what && strcmp(what, "path") == 0 && avail && strcmp(avail, "available") == 0)
        a = ACTR_NETWORK_AVAILABLE;
    else if (what && strcmp(what, "path") == 0 && avail && strcmp(avail, "unavailable") == 0)
        a = ACTR_NETWORK_UNAVAILABLE;
    else if (!what || strcmp(what, "path") != 0 || !avail || strcmp(avail, "unknown") != 0)
        rc = ACTR_EINVAL;
    if (rc == 0)
        rc = actr_node_network_event(g_net_node, kind, a);
    if (rc == 0)
        say("ok");
    else
        say("err %s 0 netevent: %s", actr_err_name(rc), actr_strerror(rc));
    return true;
}
