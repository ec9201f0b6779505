/*
 * bench_node_rpc - calls between two NODES over the direct WebSocket, through everything a real
 * call crosses (public API, envelope encode/decode, ACL, dedup, the durable-mailbox admission
 * path in memory, the actor's inbox and worker, the response path), against the same calls to
 * a node of the caller's own hyper (in-process, zero copy) measured in the same run.
 *
 * A real actrd is started (`actrd init` + `actrd --listen 127.0.0.1:0`, next to this program or
 * --actrd PATH). The service hyper holds one echo node registered with AIS and listening for
 * direct WebSockets; the client hyper holds the calling node (it discovers the service through
 * signaling) and a second echo node registered locally (the in-process baseline). Both hypers
 * live in this process, each with its own loop thread and workers, as two processes would.
 *
 *   bench_node_rpc [--size 64] [--rtt 5000] [--calls 50000] [--window 64] [--rounds 3]
 *                  [--spin US] [--workers N] [--actrd PATH]
 * --spin and --workers set both hypers' actr_hyper_options_t (default: the library's).
 *
 * Prints each round, then medians: round trip p50/p99 with one call in flight (actr_ref_call)
 * and pipelined calls/s with a window in flight (actr_ref_call_async), remote and in-process,
 * and their ratio. Exits non-zero if a call failed. docs/BENCHMARKS.md has figures and command.
 */
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cjson/cJSON.h>

#include "actr/config.h"
#include "actr/hyper.h"
#include "actr/log.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/workload.h"
#include "base/clock.h"
#include "util/stats.h"
#include "util/proc.h"

#define ROUTE "bench.Echo.Echo"
#define SVC_TYPE "bench:EchoService:1.0.0"
#define CLI_TYPE "bench:EchoClient:1.0.0"
#define CALL_TIMEOUT_MS 30000
#define MAX_ROUNDS 32

typedef struct opts {
    size_t size, rtt, calls, window;
    int rounds;
    long spin_us, workers; /* -1: the hyper's defaults */
    char actrd[4096];
} opts_t;

static opts_t o = {64, 5000, 50000, 64, 3, -1, -1, ""};

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_node_rpc: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

/* ---- actrd ---- */

typedef struct actrd {
    pid_t pid;
    int out_fd;
    int port;
    unsigned realm;
    char secret[256];
} actrd_t;

static void actrd_start(actrd_t *a, const char *dir)
{
    char data[4200], log[4200], out[8192], line[256];
    snprintf(data, sizeof data, "%s/actrd", dir);
    snprintf(log, sizeof log, "%s/actrd.log", dir);
    int fds[2], status = -1;
    if (pipe2(fds, O_CLOEXEC))
        die("pipe", NULL);
    const char *init[] = {o.actrd, "init", "--data-dir", data, "--json", NULL};
    pid_t pid = spawn(init, fds[1], -1);
    close(fds[1]);
    read_bounded(fds[0], out, sizeof out, false);
    close(fds[0]);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
        die("actrd init failed", out);
    cJSON *j = cJSON_Parse(out);
    cJSON *id = cJSON_GetObjectItem(j, "realm_id"), *sec = cJSON_GetObjectItem(j, "realm_secret");
    if (!cJSON_IsNumber(id) || !cJSON_IsString(sec))
        die("actrd init: unexpected output", out);
    a->realm = (unsigned)id->valuedouble;
    snprintf(a->secret, sizeof a->secret, "%s", sec->valuestring);
    cJSON_Delete(j);

    int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (lfd < 0 || pipe2(fds, O_CLOEXEC))
        die("actrd log", log);
    const char *serve[] = {o.actrd, "--data-dir", data, "--listen", "127.0.0.1:0", NULL};
    a->pid = spawn(serve, fds[1], lfd);
    close(fds[1]);
    close(lfd);
    read_bounded(fds[0], line, sizeof line, true);
    a->out_fd = fds[0];
    if (a->pid < 0 || sscanf(line, "listening on 127.0.0.1:%d", &a->port) != 1)
        die("actrd did not start; see", log);
}

static void write_toml(const char *path, const actrd_t *a, int ws_port, const char *allow)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot write", path);
    fprintf(f, "edition = 1\n[signaling]\nurl = \"ws://127.0.0.1:%d/signaling/ws\"\n"
               "[ais_endpoint]\nurl = \"http://127.0.0.1:%d/ais\"\n"
               "[deployment]\nrealm_id = %u\nrealm_secret = \"%s\"\n",
            a->port, a->port, a->realm, a->secret);
    if (ws_port)
        fprintf(f, "[websocket]\nlisten_port = %d\nadvertised_host = \"127.0.0.1\"\n", ws_port);
    if (allow)
        fprintf(f, "[[acl.rules]]\npermission = \"allow\"\ntype = \"%s\"\n", allow);
    fclose(f);
}

/* ---- nodes ---- */

static int echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    (void)self, (void)ctx, (void)err;
    *resp = actr_buf_ref(req);
    return 0;
}

/* A started node of type_str in hyper: registered with AIS (cfg given) or locally (cfg NULL). */
static actr_ref_t *start_node(actr_hyper_t *hyper, const actr_runtime_config_t *cfg,
                              const char *type_str, actr_node_t **out)
{
    static const actr_route_t routes[] = {{ROUTE, echo}};
    actr_error_t err = {0};
    actr_type_t type;
    actr_workload_t wl;
    actr_ref_t *ref = NULL;
    actr_node_t *node = NULL;
    int rc = actr_type_parse(&type, type_str, strlen(type_str), &err);
    if (rc == 0)
        rc = actr_node_new(hyper, cfg, &node, &err);
    if (rc == 0)
        rc = actr_node_set_type(node, &type, &err);
    if (rc == 0)
        rc = actr_workload_from_routes(routes, 1, NULL, NULL, &wl, &err);
    if (rc == 0)
        rc = actr_node_link(node, &wl, &err);
    if (rc == 0)
        rc = cfg ? actr_node_register(node, &err) : actr_node_register_local(node, 1, 0, &err);
    if (rc == 0)
        rc = actr_node_start(node, &ref, &err);
    if (rc != 0)
        die("node start", err.message);
    *out = node;
    return ref;
}

/* ---- measurements ---- */

typedef struct result {
    double p50_us, p99_us, calls_per_s;
} result_t;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void measure_rtt(actr_ref_t *ref, const actr_id_t *target, const actr_buf_t *payload,
                        uint64_t *samples, result_t *out)
{
    for (size_t i = 0; i < o.rtt; i++) {
        actr_buf_t resp = ACTR_BUF_INIT;
        actr_error_t err = {0};
        uint64_t t0 = actr_clock_mono_ns();
        if (actr_ref_call(ref, target, ROUTE, payload, CALL_TIMEOUT_MS, &resp, &err) != 0)
            die("call", err.message);
        samples[i] = actr_clock_mono_ns() - t0;
        if (resp.len != payload->len)
            die("call", "wrong echo length");
        actr_buf_release(&resp);
    }
    qsort(samples, o.rtt, sizeof *samples, cmp_u64);
    out->p50_us = samples[o.rtt / 2] / 1e3;
    out->p99_us = samples[(size_t)((double)o.rtt * 0.99)] / 1e3;
}

typedef struct pipe_run {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    actr_ref_t *ref;
    const actr_id_t *target;
    const actr_buf_t *payload;
    size_t sent, recvd, failed;
    char why[ACTR_ERROR_MESSAGE_MAX];
} pipe_run_t;

static void on_reply(actr_ctx_t *ctx, void *ud, int status, const actr_buf_t *resp,
                     const actr_error_t *err);

/* Starts the next call if any is left; called with p->lock held. */
static void send_next(pipe_run_t *p)
{
    if (p->sent >= o.calls || p->failed)
        return;
    p->sent++;
    actr_error_t err = {0};
    if (actr_ref_call_async(p->ref, p->target, ROUTE, p->payload, CALL_TIMEOUT_MS, on_reply, p,
                            &err) != 0) {
        p->sent--; /* no callback will come for this one */
        p->failed++;
        snprintf(p->why, sizeof p->why, "%s", err.message);
        pthread_cond_signal(&p->cond);
    }
}

static void on_reply(actr_ctx_t *ctx, void *ud, int status, const actr_buf_t *resp,
                     const actr_error_t *err)
{
    (void)ctx;
    pipe_run_t *p = ud;
    pthread_mutex_lock(&p->lock);
    p->recvd++;
    if (status != 0 || !resp || resp->len != p->payload->len) {
        p->failed++;
        snprintf(p->why, sizeof p->why, "%s", err ? err->message : "wrong echo length");
    }
    send_next(p);
    if (p->recvd == o.calls || p->failed)
        pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

static void measure_pipelined(actr_ref_t *ref, const actr_id_t *target,
                              const actr_buf_t *payload, result_t *out)
{
    pipe_run_t p = {.ref = ref, .target = target, .payload = payload};
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    uint64_t t0 = actr_clock_mono_ns();
    pthread_mutex_lock(&p.lock);
    for (size_t i = 0; i < o.window; i++)
        send_next(&p);
    while (p.recvd < o.calls && !p.failed)
        pthread_cond_wait(&p.cond, &p.lock);
    /* Let the calls still in flight after a failure finish before p goes away. */
    while (p.recvd < p.sent)
        pthread_cond_wait(&p.cond, &p.lock);
    pthread_mutex_unlock(&p.lock);
    if (p.failed)
        die("pipelined call", p.why);
    out->calls_per_s = (double)o.calls / ((double)(actr_clock_mono_ns() - t0) / 1e9);
    pthread_cond_destroy(&p.cond);
    pthread_mutex_destroy(&p.lock);
}

/* ---- main ---- */

static void parse(int argc, char **argv)
{
    char *slash = strrchr(argv[0], '/');
    snprintf(o.actrd, sizeof o.actrd, "%.*sactrd", slash ? (int)(slash - argv[0] + 1) : 0,
             argv[0]);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = v ? strtol(v, NULL, 10) : -1;
        if (!v)
            die(a, "needs a value");
        else if (!strcmp(a, "--size") && n >= 0 && n <= 1 << 20)
            o.size = (size_t)n;
        else if (!strcmp(a, "--rtt") && n > 0)
            o.rtt = (size_t)n;
        else if (!strcmp(a, "--calls") && n > 0)
            o.calls = (size_t)n;
        else if (!strcmp(a, "--window") && n > 0 && n <= 4096)
            o.window = (size_t)n;
        else if (!strcmp(a, "--rounds") && n > 0 && n <= MAX_ROUNDS)
            o.rounds = (int)n;
        else if (!strcmp(a, "--spin") && n >= 0 && n <= 100000)
            o.spin_us = n;
        else if (!strcmp(a, "--workers") && n > 0 && n <= 64)
            o.workers = n;
        else if (!strcmp(a, "--actrd"))
            snprintf(o.actrd, sizeof o.actrd, "%s", v);
        else
            die("usage", "bench_node_rpc [--size B] [--rtt N] [--calls N] [--window N] "
                         "[--rounds N] [--spin US] [--workers N] [--actrd PATH]");
        i++;
    }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int free_port(void)
{
    /* The hub binds the port itself; ask the kernel for a free one first. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int port = s >= 0 && !bind(s, (struct sockaddr *)&sa, sizeof sa) &&
                       !getsockname(s, (struct sockaddr *)&sa, &len)
                   ? ntohs(sa.sin_port)
                   : -1;
    if (s >= 0)
        close(s);
    return port;
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    actr_log_set_level(ACTR_LOG_WARN);
    setenv("ACTR_WEBRTC_MODE", "off", 1); /* the direct WebSocket is what this measures */
    char dir[] = "/tmp/bench-node-rpc-XXXXXX", svc_toml[64], cli_toml[64];
    if (!mkdtemp(dir))
        die("mkdtemp", NULL);
    snprintf(svc_toml, sizeof svc_toml, "%s/svc.toml", dir);
    snprintf(cli_toml, sizeof cli_toml, "%s/cli.toml", dir);
    actrd_t a;
    actrd_start(&a, dir);
    write_toml(svc_toml, &a, free_port(), CLI_TYPE);
    write_toml(cli_toml, &a, 0, NULL);

    actr_error_t err = {0};
    actr_runtime_config_t scfg, ccfg;
    actr_hyper_t *hs = NULL, *hc = NULL;
    actr_hyper_options_t ho;
    actr_hyper_options_init(&ho);
    if (o.spin_us >= 0)
        ho.spin_us = (uint32_t)o.spin_us;
    if (o.workers > 0)
        ho.workers = (uint32_t)o.workers;
    if (actr_runtime_config_load(svc_toml, &scfg, &err) ||
        actr_runtime_config_load(cli_toml, &ccfg, &err) || actr_hyper_new(&ho, &hs, &err) ||
        actr_hyper_new(&ho, &hc, &err))
        die("setup", err.message);
    actr_node_t *ns, *nc, *nl;
    actr_ref_t *rs = start_node(hs, &scfg, SVC_TYPE, &ns);
    actr_ref_t *rc = start_node(hc, &ccfg, CLI_TYPE, &nc);
    actr_type_t svc_type;
    actr_id_t remote;
    /* Discovered through signaling (which also gives the WebSocket address) before the
     * in-process twin exists: discovery prefers nodes of the caller's own hyper. */
    if (actr_type_parse(&svc_type, SVC_TYPE, strlen(SVC_TYPE), &err) ||
        actr_ref_discover(rc, &svc_type, &remote, &err))
        die("discover", err.message);
    if (!actr_id_equal(&remote, actr_ref_id(rs)))
        die("discover", "found another node than the service");
    actr_ref_t *rl = start_node(hc, NULL, SVC_TYPE, &nl);
    const actr_id_t *local = actr_ref_id(rl);

    uint8_t *bytes = malloc(o.size ? o.size : 1);
    for (size_t i = 0; i < o.size; i++)
        bytes[i] = (uint8_t)i;
    actr_buf_t payload = actr_buf_static(bytes, o.size);
    uint64_t *samples = calloc(o.rtt, sizeof *samples);
    if (!samples)
        die("out of memory", NULL);
    double r50[MAX_ROUNDS], r99[MAX_ROUNDS], rps[MAX_ROUNDS];
    double l50[MAX_ROUNDS], l99[MAX_ROUNDS], lps[MAX_ROUNDS];
    result_t warm;
    measure_rtt(rc, &remote, &payload, samples, &warm); /* connections up, caches warm */
    for (int k = 0; k < o.rounds; k++) {
        result_t r = {0}, l = {0};
        measure_rtt(rc, &remote, &payload, samples, &r);
        measure_rtt(rc, local, &payload, samples, &l);
        measure_pipelined(rc, &remote, &payload, &r);
        measure_pipelined(rc, local, &payload, &l);
        r50[k] = r.p50_us, r99[k] = r.p99_us, rps[k] = r.calls_per_s;
        l50[k] = l.p50_us, l99[k] = l.p99_us, lps[k] = l.calls_per_s;
        printf("round %d: websocket p50 %.1f us p99 %.1f us %.0f calls/s | in-process p50 %.2f "
               "us p99 %.2f us %.0f calls/s\n",
               k + 1, r.p50_us, r.p99_us, r.calls_per_s, l.p50_us, l.p99_us, l.calls_per_s);
    }
    int n = o.rounds;
    printf("\nbench_node_rpc: %zu B payloads, %zu calls one at a time, %zu calls with %zu in "
           "flight, median of %d rounds\n",
           o.size, o.rtt, o.calls, o.window, n);
    printf("%-28s %14s %14s %12s\n", "", "node over WS", "in-process", "ws/inproc");
    double x = bench_median(r50, n), y = bench_median(l50, n);
    printf("%-28s %14.1f %14.2f %12.1f\n", "round trip p50 (us)", x, y, x / y);
    x = bench_median(r99, n), y = bench_median(l99, n);
    printf("%-28s %14.1f %14.2f %12.1f\n", "round trip p99 (us)", x, y, x / y);
    x = bench_median(rps, n), y = bench_median(lps, n);
    printf("%-28s %14.0f %14.0f %12.3f\n", "pipelined calls/s", x, y, x / y);

    actr_ref_shutdown(rl), actr_ref_shutdown(rc), actr_ref_shutdown(rs);
    actr_ref_wait(rl, 10000), actr_ref_wait(rc, 10000), actr_ref_wait(rs, 10000);
    actr_node_free(nl), actr_node_free(nc), actr_node_free(ns);
    actr_hyper_free(hc), actr_hyper_free(hs);
    actr_runtime_config_free(&scfg), actr_runtime_config_free(&ccfg);
    int code = stop_process(a.pid);
    close(a.out_fd);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(samples), free(bytes);
    return code == 0 ? 0 : 1;
}
