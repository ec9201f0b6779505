/*
 * bench_inproc - Hyper's in-process messaging against Erlang/OTP message passing, same run.
 *
 *   tell 1→1 (host)   one host thread tells one actor N times (actr_ref_tell, 16-byte
 *                     refcounted payload), then one call as the ack: messages/s.
 *   tell 1→1 (actor)  the same, but the sender is an actor sending chunks of actr_ctx_tell and
 *                     telling itself to continue: no thread besides the workers, the closest
 *                     analogue of an Erlang sender process.
 *   tell N→N (host)   P host threads, each telling its own actor N times, then an ack.
 *   tell N→N (actors) P sender actors, each streaming to its own sink actor.
 *   call a→a          an actor's handler makes M synchronous calls (actr_ctx_call) to another
 *                     actor's echo handler: round-trip p50/p99/mean.
 *   call host→a       a host thread calls an actor (actr_ref_call) M times: informational, it
 *                     crosses threads on every call (Erlang processes never block a thread).
 *
 * The Erlang figures come from bench/erlang/inproc.erl (compiled with erlc into a temporary
 * directory and run with `erl -noshell`) with the same N, P and M. Rounds alternate Hyper and
 * Erlang, because the machine is shared and changes speed: every figure is the median of R
 * rounds, and a ratio is the median of the R per-round ratios (Hyper / Erlang for throughput,
 * Erlang / Hyper for latency; > 1: Hyper is better).
 *
 *   bench_inproc [--tells N] [--pairs P] [--calls M] [--inbox CAP] [--spin US] [--rounds R]
 *                [--no-erlang]
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actr/ctx.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "base/clock.h"

#define TELL_ROUTE "bench.Sink.Tell"
#define ACK_ROUTE "bench.Sink.Ack"
#define ECHO_ROUTE "bench.Echo.Echo"
#define RUN_ROUTE "bench.Caller.Run"
#define PUMP_ROUTE "bench.Pump.Run"
#define MAX_ROUNDS 32

typedef struct opts {
    uint64_t tells;
    uint32_t pairs;
    uint32_t calls;
    uint32_t inbox;
    uint32_t spin_us;
    uint32_t rounds;
    int erlang;
    const char *only; /* run one measure (profiling): tell1, tella, telln, tellna or calls */
} opts_t;

static void die(const char *what, const actr_error_t *err)
{
    fprintf(stderr, "bench_inproc: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

/* ---- actors ---- */

/* The states of the pairs sit in one array: each is padded to its own cache line, or the two
 * sinks' counters would share one and every tell of N->N would move it between cores (actors'
 * states are separate allocations in real use). */
typedef struct sink {
    uint64_t count; /* touched only by the actor's serial entries */
    char pad_[56];
} sink_t;

static int on_tell(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                   actr_error_t *err)
{
    ((sink_t *)self)->count++;
    return 0;
}

static int on_ack(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    return actr_buf_copy(&((sink_t *)self)->count, sizeof(uint64_t), resp);
}

static int on_echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                   actr_error_t *err)
{
    *resp = actr_buf_ref(req);
    return 0;
}

typedef struct caller {
    actr_id_t echo;
    actr_buf_t payload;
    uint64_t *lat; /* ns per call */
    uint32_t n;
} caller_t;

static int on_run(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    caller_t *c = self;
    for (uint32_t i = 0; i < c->n; i++) {
        actr_buf_t r;
        uint64_t t0 = actr_clock_mono_ns();
        int rc = actr_ctx_call(ctx, &c->echo, ECHO_ROUTE, &c->payload, 5000, &r, err);
        c->lat[i] = actr_clock_mono_ns() - t0;
        if (rc != 0)
            return rc;
        actr_buf_release(&r);
    }
    return 0;
}

/*
 * bench.Pump.Run: sends the sink a chunk of tells and, while some are left, tells itself to
 * continue (a handler that looped over all N would hold its worker for the whole run: C has no
 * preemption, so long work is split like this). Last, a call to the sink returns once it has
 * seen every tell; then `done` is set.
 */
#define PUMP_CHUNK 256

typedef struct pump {
    actr_id_t sink;
    uint64_t left;
    actr_buf_t payload;
    int done; /* atomic builtins */
    int rc;
    char pad_[64];
} pump_t;

static int on_pump(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                   actr_error_t *err)
{
    pump_t *p = self;
    uint64_t n = p->left < PUMP_CHUNK ? p->left : PUMP_CHUNK;
    int rc = 0;
    for (uint64_t i = 0; i < n && rc == 0; i++)
        rc = actr_ctx_tell(ctx, &p->sink, TELL_ROUTE, &p->payload, ACTR_TELL_TIMEOUT_MS, err);
    p->left -= n;
    if (rc == 0 && p->left > 0)
        return actr_ctx_tell(ctx, NULL, PUMP_ROUTE, NULL, ACTR_TELL_TIMEOUT_MS, err);
    actr_buf_t r = ACTR_BUF_INIT;
    if (rc == 0)
        rc = actr_ctx_call(ctx, &p->sink, ACK_ROUTE, NULL, 60000, &r, err);
    actr_buf_release(&r);
    p->rc = rc;
    __atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
    return rc;
}

static const actr_route_t sink_routes[] = {{TELL_ROUTE, on_tell}, {ACK_ROUTE, on_ack}};

static actr_node_t *start(actr_hyper_t *h, const char *name, const actr_route_t *routes,
                          size_t n, void *self, actr_ref_t **ref)
{
    actr_error_t err = {0};
    actr_node_t *node;
    actr_type_t type;
    actr_workload_t wl;
    if (actr_node_new(h, NULL, &node, &err) || actr_type_set(&type, "bench", name, "1", &err) ||
        actr_node_set_type(node, &type, &err) ||
        actr_workload_from_routes(routes, n, NULL, self, &wl, &err) ||
        actr_node_link(node, &wl, &err) || actr_node_register_local(node, 1, 0, &err) ||
        actr_node_start(node, ref, &err))
        die(name, &err);
    return node;
}

/* ---- tells ---- */

typedef struct sender {
    actr_ref_t *ref;
    uint64_t n;
    actr_buf_t payload;
    pthread_barrier_t *go;
    uint64_t end_ns;
} sender_t;

/* n tells, then a call that returns after all of them (FIFO). */
static void tell_run(actr_ref_t *ref, uint64_t n, const actr_buf_t *payload)
{
    actr_error_t err = {0};
    for (uint64_t i = 0; i < n; i++)
        if (actr_ref_tell(ref, NULL, TELL_ROUTE, payload, ACTR_TELL_TIMEOUT_MS, &err) != 0)
            die("tell", &err);
    actr_buf_t r;
    if (actr_ref_call(ref, NULL, ACK_ROUTE, NULL, 60000, &r, &err) != 0)
        die("ack", &err);
    actr_buf_release(&r);
}

static void *sender_main(void *arg)
{
    sender_t *s = arg;
    pthread_barrier_wait(s->go);
    tell_run(s->ref, s->n, &s->payload);
    s->end_ns = actr_clock_mono_ns();
    return NULL;
}

static double tells_1to1(actr_hyper_t *h, const opts_t *o, const actr_buf_t *payload)
{
    sink_t sink = {0};
    actr_ref_t *ref;
    actr_node_t *n = start(h, "sink", sink_routes, 2, &sink, &ref);
    tell_run(ref, o->tells / 10, payload); /* warm-up */
    uint64_t t0 = actr_clock_mono_ns();
    tell_run(ref, o->tells, payload);
    double secs = (double)(actr_clock_mono_ns() - t0) / 1e9;
    if (sink.count != o->tells + o->tells / 10)
        die("tell count mismatch", NULL);
    actr_node_free(n);
    return (double)o->tells / secs;
}

/* P pump actors, each streaming n tells to its own sink actor; returns total msgs/s. */
static double pumps(actr_hyper_t *h, uint32_t p, uint64_t n, const actr_buf_t *payload)
{
    static const actr_route_t pump_routes[] = {{PUMP_ROUTE, on_pump}};
    sink_t *sinks = calloc(p, sizeof *sinks);
    pump_t *pumps = calloc(p, sizeof *pumps);
    actr_node_t **nodes = calloc(2 * (size_t)p, sizeof *nodes);
    actr_ref_t **refs = calloc(p, sizeof *refs);
    if (!sinks || !pumps || !nodes || !refs)
        die("out of memory", NULL);
    for (uint32_t i = 0; i < p; i++) {
        actr_ref_t *sink_ref;
        char name[32];
        snprintf(name, sizeof name, "sink%u", i);
        nodes[2 * i] = start(h, name, sink_routes, 2, &sinks[i], &sink_ref);
        pumps[i].sink = *actr_node_id(nodes[2 * i]);
        pumps[i].left = n;
        /* Each pair its own bytes, as for the host senders (and Erlang, whose small binaries
         * are copied into each message): one shared block's count would be one more line
         * moving between the cores. */
        if (actr_buf_copy(payload->data, payload->len, &pumps[i].payload) != 0)
            die("payload", NULL);
        snprintf(name, sizeof name, "pump%u", i);
        nodes[2 * i + 1] = start(h, name, pump_routes, 1, &pumps[i], &refs[i]);
    }
    actr_error_t err = {0};
    uint64_t t0 = actr_clock_mono_ns();
    for (uint32_t i = 0; i < p; i++)
        if (actr_ref_tell(refs[i], NULL, PUMP_ROUTE, NULL, 0, &err) != 0)
            die("pump", &err);
    for (uint32_t i = 0; i < p; i++)
        while (!__atomic_load_n(&pumps[i].done, __ATOMIC_ACQUIRE))
            usleep(100);
    double secs = (double)(actr_clock_mono_ns() - t0) / 1e9;
    for (uint32_t i = 0; i < p; i++) {
        if (pumps[i].rc != 0 || sinks[i].count != n)
            die("pump failed", NULL);
        actr_node_free(nodes[2 * i + 1]);
        actr_node_free(nodes[2 * i]);
        actr_buf_release(&pumps[i].payload);
    }
    free(sinks);
    free(pumps);
    free(nodes);
    free(refs);
    return (double)p * (double)n / secs;
}

static double tells_from_actor(actr_hyper_t *h, const opts_t *o, const actr_buf_t *payload)
{
    pumps(h, 1, o->tells / 10, payload); /* warm-up */
    return pumps(h, 1, o->tells, payload);
}

static double tells_n_actors(actr_hyper_t *h, const opts_t *o, const actr_buf_t *payload)
{
    return pumps(h, o->pairs, o->tells, payload);
}

static double tells_n(actr_hyper_t *h, const opts_t *o, const actr_buf_t *payload)
{
    uint32_t p = o->pairs;
    sink_t *sinks = calloc(p, sizeof *sinks);
    sender_t *senders = calloc(p, sizeof *senders);
    actr_node_t **nodes = calloc(p, sizeof *nodes);
    pthread_t *threads = calloc(p, sizeof *threads);
    if (!sinks || !senders || !nodes || !threads)
        die("out of memory", NULL);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, p + 1);
    for (uint32_t i = 0; i < p; i++) {
        char name[32];
        snprintf(name, sizeof name, "sink%u", i);
        nodes[i] = start(h, name, sink_routes, 2, &sinks[i], &senders[i].ref);
        senders[i].n = o->tells;
        senders[i].go = &go;
        if (actr_buf_copy(payload->data, payload->len, &senders[i].payload) != 0)
            die("payload", NULL);
        pthread_create(&threads[i], NULL, sender_main, &senders[i]);
    }
    pthread_barrier_wait(&go);
    uint64_t t0 = actr_clock_mono_ns(), end = t0;
    for (uint32_t i = 0; i < p; i++) {
        pthread_join(threads[i], NULL);
        if (senders[i].end_ns > end)
            end = senders[i].end_ns;
        actr_buf_release(&senders[i].payload);
        actr_node_free(nodes[i]);
    }
    pthread_barrier_destroy(&go);
    free(sinks);
    free(senders);
    free(nodes);
    free(threads);
    return (double)p * (double)o->tells / ((double)(end - t0) / 1e9);
}

/* ---- calls ---- */

typedef struct lat_stats {
    double p50, p99, mean;
} lat_stats_t;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static lat_stats_t summarize(uint64_t *lat, uint32_t n)
{
    qsort(lat, n, sizeof *lat, cmp_u64);
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += (double)lat[i];
    uint32_t i50 = n * 50 / 100, i99 = n * 99 / 100;
    lat_stats_t s = {(double)lat[i50 ? i50 - 1 : 0], (double)lat[i99 ? i99 - 1 : 0], sum / n};
    return s;
}

static void calls(actr_hyper_t *h, const opts_t *o, const actr_buf_t *payload, lat_stats_t *a2a,
                  lat_stats_t *h2a)
{
    static const actr_route_t echo_routes[] = {{ECHO_ROUTE, on_echo}};
    static const actr_route_t caller_routes[] = {{RUN_ROUTE, on_run}};
    actr_ref_t *echo_ref, *caller_ref;
    actr_node_t *echo = start(h, "echo", echo_routes, 1, NULL, &echo_ref);
    caller_t c = {.payload = *payload, .n = o->calls};
    c.echo = *actr_node_id(echo);
    c.lat = calloc(o->calls, sizeof *c.lat);
    if (!c.lat)
        die("out of memory", NULL);
    actr_node_t *caller = start(h, "caller", caller_routes, 1, &c, &caller_ref);
    actr_error_t err = {0};
    actr_buf_t r;
    for (int round = 0; round < 2; round++) /* warm-up, then measured */
        if (actr_ref_call(caller_ref, NULL, RUN_ROUTE, NULL, 600000, &r, &err) != 0)
            die("call run", &err);
    *a2a = summarize(c.lat, o->calls);
    for (uint32_t i = 0; i < o->calls; i++) {
        uint64_t t0 = actr_clock_mono_ns();
        if (actr_ref_call(echo_ref, NULL, ECHO_ROUTE, payload, 5000, &r, &err) != 0)
            die("host call", &err);
        c.lat[i] = actr_clock_mono_ns() - t0;
        actr_buf_release(&r);
    }
    *h2a = summarize(c.lat, o->calls);
    actr_node_free(caller);
    actr_node_free(echo);
    free(c.lat);
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of n values (sorts them). */
/* Of a copy: the rounds stay in order, paired with Erlang's. */
static double median(const double *values, uint32_t n)
{
    double v[MAX_ROUNDS];
    memcpy(v, values, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- Erlang ---- */

enum { E_TELL1, E_TELLN, E_P50, E_P99, E_MEAN, E_COUNT };
static const char *const erl_names[E_COUNT] = {"tell_1to1", "tell_NtoN", "call_p50_ns",
                                               "call_p99_ns", "call_mean_ns"};

/* One run of inproc.erl; fills v[E_*]. Returns 0 on success. */
static int run_erlang_once(const opts_t *o, double v[E_COUNT])
{
    char dir[] = "/tmp/bench-inproc-XXXXXX", cmd[8192];
    if (!mkdtemp(dir))
        return -1;
    snprintf(cmd, sizeof cmd,
             "erlc -o %s %s/inproc.erl && erl -noshell -pa %s -run inproc main %" PRIu64
             " %u %u; rm -rf %s",
             dir, ACTR_BENCH_ERLANG_DIR, dir, o->tells, o->pairs, o->calls, dir);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[256];
    int seen = 0;
    while (fgets(line, sizeof line, p)) {
        char name[64];
        double x;
        if (sscanf(line, "%63s %lf", name, &x) != 2)
            continue;
        for (int i = 0; i < E_COUNT; i++)
            if (!strcmp(name, erl_names[i])) {
                v[i] = x;
                seen++;
            }
    }
    return pclose(p) == 0 && seen == E_COUNT ? 0 : -1;
}

/* ---- main ---- */

static void parse(int argc, char **argv, opts_t *o)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (opts_t){.tells = 2000000, .pairs = n > 0 ? (uint32_t)n : 2, .calls = 200000,
                  .inbox = 1024, .spin_us = 50, .rounds = 3, .erlang = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-erlang")) {
            o->erlang = 0;
            continue;
        }
        if (!strcmp(a, "--only") && v) {
            o->only = v;
            o->erlang = 0;
            i++;
            continue;
        }
        if (!v) {
            fprintf(stderr, "usage: bench_inproc [--tells N] [--pairs P] [--calls M] "
                            "[--inbox CAP] [--spin US] [--rounds R] [--no-erlang] "
                            "[--only tell1|tella|telln|tellna|calls]\n");
            exit(2);
        }
        unsigned long long x = strtoull(v, NULL, 10);
        if (!strcmp(a, "--tells"))
            o->tells = x;
        else if (!strcmp(a, "--pairs"))
            o->pairs = (uint32_t)x;
        else if (!strcmp(a, "--calls"))
            o->calls = (uint32_t)x;
        else if (!strcmp(a, "--inbox"))
            o->inbox = (uint32_t)x;
        else if (!strcmp(a, "--spin"))
            o->spin_us = (uint32_t)x;
        else if (!strcmp(a, "--rounds"))
            o->rounds = (uint32_t)x;
        i++;
    }
    if (!o->tells || !o->pairs || !o->calls || !o->rounds || o->rounds > MAX_ROUNDS)
        exit(2);
}

/*
 * One line: Hyper's and Erlang's medians over the rounds, and the median of the per-round
 * ratios. Each round runs Hyper and then Erlang back to back, so a ratio compares two runs a few
 * seconds apart: when the machine changes speed between rounds (it does), the per-round ratio
 * stays meaningful where a ratio of the two medians would mix regimes.
 */
static void row(const char *what, const double *hyper, const double *erl, uint32_t n,
                int higher_better, const char *unit)
{
    double h = median(hyper, n);
    if (!erl) {
        printf("%-20s %14.0f %14s  %7s  %s\n", what, h, "-", "-", unit);
        return;
    }
    double ratio[MAX_ROUNDS];
    for (uint32_t r = 0; r < n; r++)
        ratio[r] = higher_better ? hyper[r] / erl[r] : erl[r] / hyper[r];
    printf("%-20s %14.0f %14.0f  %6.2fx  %s\n", what, h, median(erl, n), median(ratio, n), unit);
}

static int wanted(const opts_t *o, const char *what)
{
    return !o->only || !strcmp(o->only, what);
}

enum { H_TELL1, H_TELLA, H_TELLN, H_TELLNA, H_P50, H_P99, H_MEAN, H_HOST50, H_HOST99, H_COUNT };

int main(int argc, char **argv)
{
    opts_t o;
    parse(argc, argv, &o);
    double load[3] = {0};
    if (getloadavg(load, 3) < 0)
        load[0] = -1;
    actr_hyper_options_t ho;
    actr_hyper_options_init(&ho);
    ho.inbox_capacity = o.inbox;
    ho.spin_us = o.spin_us;
    if (getenv("BENCH_WORKERS"))
        ho.workers = (uint32_t)atoi(getenv("BENCH_WORKERS"));
    actr_error_t err = {0};
    actr_hyper_t *h;
    if (actr_hyper_new(&ho, &h, &err) != 0)
        die("hyper", &err);
    actr_buf_t payload;
    if (actr_buf_copy("0123456789abcdef", 16, &payload) != 0)
        die("payload", NULL);
    printf("bench_inproc: tells=%" PRIu64 " pairs=%u calls=%u inbox=%u spin_us=%u workers=%u "
           "rounds=%u load=%.2f\n",
           o.tells, o.pairs, o.calls, o.inbox, o.spin_us, actr_hyper_worker_count(h), o.rounds,
           load[0]);
    double v[H_COUNT][MAX_ROUNDS];
    double ev[E_COUNT][MAX_ROUNDS];
    int eok = o.erlang;
    /* Rounds alternate Hyper and Erlang, so a change in the machine's load hits both. */
    for (uint32_t r = 0; r < o.rounds; r++) {
        lat_stats_t a2a = {0}, h2a = {0};
        v[H_TELL1][r] = wanted(&o, "tell1") ? tells_1to1(h, &o, &payload) : 0;
        v[H_TELLA][r] = wanted(&o, "tella") ? tells_from_actor(h, &o, &payload) : 0;
        v[H_TELLN][r] = wanted(&o, "telln") ? tells_n(h, &o, &payload) : 0;
        v[H_TELLNA][r] = wanted(&o, "tellna") ? tells_n_actors(h, &o, &payload) : 0;
        if (wanted(&o, "calls"))
            calls(h, &o, &payload, &a2a, &h2a);
        v[H_P50][r] = a2a.p50;
        v[H_P99][r] = a2a.p99;
        v[H_MEAN][r] = a2a.mean;
        v[H_HOST50][r] = h2a.p50;
        v[H_HOST99][r] = h2a.p99;
        fprintf(stderr, "round %u: tells/s host %.0f actor %.0f N host %.0f N actors %.0f\n", r + 1,
                v[H_TELL1][r], v[H_TELLA][r], v[H_TELLN][r], v[H_TELLNA][r]);
        double one[E_COUNT];
        if (eok && run_erlang_once(&o, one) != 0) {
            fprintf(stderr, "bench_inproc: the Erlang baseline failed (erlang-base installed?)\n");
            eok = 0;
        }
        for (int i = 0; eok && i < E_COUNT; i++)
            ev[i][r] = one[i];
        if (eok)
            fprintf(stderr, "round %u: erlang tells/s 1->1 %.0f N->N %.0f, call p50 %.0f ns\n",
                    r + 1, one[E_TELL1], one[E_TELLN], one[E_P50]);
    }
    actr_buf_release(&payload);
    actr_hyper_free(h);
    uint32_t n = o.rounds;
    printf("%-20s %14s %14s  %7s\n", "measure (median)", "hyper", "erlang", "ratio");
    row("tell 1->1 (host)", v[H_TELL1], eok ? ev[E_TELL1] : NULL, n, 1, "msgs/s");
    row("tell 1->1 (actor)", v[H_TELLA], eok ? ev[E_TELL1] : NULL, n, 1, "msgs/s");
    row("tell N->N (host)", v[H_TELLN], eok ? ev[E_TELLN] : NULL, n, 1, "msgs/s");
    row("tell N->N (actors)", v[H_TELLNA], eok ? ev[E_TELLN] : NULL, n, 1, "msgs/s");
    row("call a->a p50", v[H_P50], eok ? ev[E_P50] : NULL, n, 0, "ns");
    row("call a->a p99", v[H_P99], eok ? ev[E_P99] : NULL, n, 0, "ns");
    row("call a->a mean", v[H_MEAN], eok ? ev[E_MEAN] : NULL, n, 0, "ns");
    row("call host->a p50", v[H_HOST50], NULL, n, 0, "ns");
    row("call host->a p99", v[H_HOST99], NULL, n, 0, "ns");
    if (eok)
        printf("(ratio: the median of the per-round ratios, each round Hyper then Erlang)\n");
    return 0;
}
