/*
 * bench_sched - what the conflict-key scheduler buys and costs, against a serial actor in the
 * same run (docs/BENCHMARKS.md "Conflict-key scheduler").
 *
 * Two nodes in one hyper serve the same route table; the ENGAGED one declared the route's key
 * (payload field 1, uint32), the SERIAL one did not. P host threads each send N tells with
 * their own key, then one call as an acknowledgement (it runs after the tells of its key and,
 * for the serial node, after everything); or N calls in a row (one request per key in flight). Measured: messages/s from the first send to the
 * last acknowledgement, median of R rounds, for
 *
 *   sleep S  each handler sleeps S µs (a stand-in for a handler waiting on I/O): the
 *            concurrency gained, up to min(senders, budget, workers) — robust on a shared
 *            machine because it does not need idle cores;
 *   work W   each handler spins W iterations: the parallelism gained on the cores, which
 *            needs idle cores (not the case while other jobs run on the machine);
 *   work 0   empty handlers: the scheduler's per-message cost (key extraction, submit, a slot
 *            wake-up, done) against the serial actor's plain turn.
 *
 * Ratios are engaged / serial (> 1: the scheduler helps).
 *
 *   bench_sched [--tells N] [--senders P] [--sleep-us S] [--work W] [--workers T] [--rounds R]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/ctx.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "base/clock.h"
#include "dispatch/scheduler.h"
#include "lifecycle/node_internal.h"

#define ROUTE "bench.Sched.Work"
#define MAX_SENDERS 64
#define MAX_ROUNDS 15
#define WAIT_MS 60000

typedef struct opts {
    uint32_t tells, calls, senders, sleep_us, work, workers, rounds;
} opts_t;

static _Atomic uint32_t g_work;  /* spin iterations per handler in this phase */
static _Atomic uint32_t g_sleep; /* or µs of sleep */

static int h_work(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    (void)self;
    (void)ctx;
    (void)req;
    (void)resp;
    (void)err;
    uint32_t n = g_work, us = g_sleep;
    for (volatile uint32_t i = 0; i < n; i++)
        ;
    if (us) {
        struct timespec ts = {0, (long)us * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static const actr_route_t routes[] = {{ROUTE, h_work}};

typedef struct sender {
    actr_ref_t *ref;
    const actr_id_t *target;
    uint32_t key, tells, calls;
    int failures;
} sender_t;

/* {field 1: key} as a refcounted buffer. */
static int key_payload(uint32_t key, actr_buf_t *out)
{
    uint8_t b[8];
    size_t n = 0;
    b[n++] = 0x08;
    do {
        b[n++] = (uint8_t)((key & 0x7f) | (key > 0x7f ? 0x80 : 0));
        key >>= 7;
    } while (key);
    return actr_buf_copy(b, n, out);
}

static void *send_all(void *p)
{
    sender_t *s = p;
    actr_buf_t payload;
    if (key_payload(s->key, &payload) != 0) {
        s->failures++;
        return NULL;
    }
    actr_error_t err;
    actr_buf_t resp;
    for (uint32_t i = 0; i < s->calls; i++) {
        if (actr_ref_call(s->ref, s->target, ROUTE, &payload, WAIT_MS, &resp, &err) != 0)
            s->failures++;
        else
            actr_buf_release(&resp);
    }
    for (uint32_t i = 0; i < s->tells; i++)
        if (actr_ref_tell(s->ref, s->target, ROUTE, &payload, WAIT_MS, &err) != 0)
            s->failures++;
    if (actr_ref_call(s->ref, s->target, ROUTE, &payload, WAIT_MS, &resp, &err) != 0)
        s->failures++;
    else
        actr_buf_release(&resp);
    actr_buf_release(&payload);
    return NULL;
}

/* One round against target: msgs/s, or -1 on a failure. */
static double round_once(actr_ref_t *from, const actr_id_t *target, const opts_t *o)
{
    pthread_t t[MAX_SENDERS];
    sender_t s[MAX_SENDERS];
    uint64_t t0 = actr_clock_mono_ns();
    for (uint32_t i = 0; i < o->senders; i++) {
        s[i] = (sender_t){from, target, i + 1, o->tells, o->calls, 0};
        pthread_create(&t[i], NULL, send_all, &s[i]);
    }
    int failures = 0;
    for (uint32_t i = 0; i < o->senders; i++) {
        pthread_join(t[i], NULL);
        failures += s[i].failures;
    }
    uint64_t ns = actr_clock_mono_ns() - t0;
    if (failures)
        return -1;
    return (double)o->senders * (o->tells + o->calls + 1) * 1e9 / (double)ns;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, uint32_t n)
{
    qsort(v, n, sizeof *v, cmp);
    return v[n / 2];
}

static actr_node_t *make_node(actr_hyper_t *h, const char *name, bool keyed, actr_ref_t **ref)
{
    actr_error_t err;
    actr_node_t *n;
    actr_type_t type;
    char ty[64];
    snprintf(ty, sizeof ty, "bench:%s:1.0", name);
    actr_workload_t wl;
    static const actr_conflict_decl_t key = {ROUTE, ACTR_CONFLICT_PAYLOAD_FIELD, 1,
                                             ACTR_FIELD_UINT32, NULL};
    if (actr_node_new(h, NULL, &n, &err) != 0 ||
        actr_type_parse(&type, ty, strlen(ty), &err) != 0 ||
        actr_node_set_type(n, &type, &err) != 0 ||
        actr_workload_from_routes(routes, 1, NULL, NULL, &wl, &err) != 0 ||
        actr_node_link(n, &wl, &err) != 0 ||
        (keyed && actr_node_set_conflict_keys(n, &key, 1, &err) != 0) ||
        actr_node_register_local(n, 1, 0, &err) != 0 || actr_node_start(n, ref, &err) != 0) {
        fprintf(stderr, "bench_sched: node %s: %s\n", name, err.message);
        exit(1);
    }
    return n;
}

static int parse(int argc, char **argv, opts_t *o)
{
    *o = (opts_t){.tells = 20000, .senders = 4, .sleep_us = 50, .work = 20000, .workers = 0,
                  .rounds = 3};
    for (int i = 1; i + 1 < argc; i += 2) {
        unsigned long x = strtoul(argv[i + 1], NULL, 10);
        if (!strcmp(argv[i], "--tells"))
            o->tells = (uint32_t)x;
        else if (!strcmp(argv[i], "--senders"))
            o->senders = (uint32_t)x;
        else if (!strcmp(argv[i], "--sleep-us"))
            o->sleep_us = (uint32_t)x < 999999 ? (uint32_t)x : 999999;
        else if (!strcmp(argv[i], "--work"))
            o->work = (uint32_t)x;
        else if (!strcmp(argv[i], "--workers"))
            o->workers = (uint32_t)x;
        else if (!strcmp(argv[i], "--rounds"))
            o->rounds = (uint32_t)x;
        else
            return -1;
    }
    if (argc % 2 == 0 || !o->tells || !o->senders || o->senders > MAX_SENDERS || !o->rounds ||
        o->rounds > MAX_ROUNDS)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    opts_t o;
    if (parse(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: bench_sched [--tells N] [--senders P<=%d] [--work W] "
                        "[--workers T] [--rounds R<=%d]\n", MAX_SENDERS, MAX_ROUNDS);
        return 2;
    }
    actr_hyper_options_t ho;
    actr_hyper_options_init(&ho);
    ho.workers = o.workers;
    actr_hyper_t *h;
    actr_error_t err;
    if (actr_hyper_new(&ho, &h, &err) != 0) {
        fprintf(stderr, "bench_sched: %s\n", err.message);
        return 1;
    }
    actr_ref_t *sref, *eref;
    actr_node_t *serial = make_node(h, "Serial", false, &sref);
    actr_node_t *engaged = make_node(h, "Engaged", true, &eref);
    if (!actr_node_dispatch_engaged(engaged) || actr_node_dispatch_engaged(serial)) {
        fprintf(stderr, "bench_sched: the scheduler is not engaged as expected "
                        "(ACTR_DISPATCH_SERIAL set?)\n");
        return 1;
    }
    printf("bench_sched: %u messages per sender (sleep phases: a tenth) senders=%u workers=%u "
           "rounds=%u\n", o.tells, o.senders,
           actr_hyper_worker_count(h), o.rounds);
    printf("%-22s %14s %14s %8s\n", "measure (median)", "serial", "engaged", "ratio");
    /* sleep phase with fewer tells: it is slow for the serial actor by design */
    /* Calls keep one request per sender in flight (each sender's key is always ready);
     * tells let a sender's burst fill the queue with its own key. */
    uint32_t few = o.tells / 10 ? o.tells / 10 : 1;
    struct { uint32_t sleep, work, tells, calls; } phases[6] = {
        {o.sleep_us, 0, 0, few}, {o.sleep_us, 0, few, 0},
        {0, o.work, 0, o.tells}, {0, o.work, o.tells, 0},
        {0, 0, 0, o.tells}, {0, 0, o.tells, 0}};
    int rc = 0;
    for (int w = 0; w < 6; w++) {
        g_work = phases[w].work;
        g_sleep = phases[w].sleep;
        opts_t po = o;
        po.tells = phases[w].tells;
        po.calls = phases[w].calls;
        double sv[MAX_ROUNDS], ev[MAX_ROUNDS];
        for (uint32_t r = 0; r < o.rounds; r++) { /* alternated: the machine is shared */
            sv[r] = round_once(sref, NULL, &po);
            ev[r] = round_once(eref, NULL, &po);
            if (sv[r] < 0 || ev[r] < 0)
                rc = 1;
        }
        double sm = median(sv, o.rounds), em = median(ev, o.rounds);
        char label[32];
        const char *kind = phases[w].calls ? "calls" : "tells";
        if (phases[w].sleep)
            snprintf(label, sizeof label, "%s, sleep %u us", kind, phases[w].sleep);
        else
            snprintf(label, sizeof label, "%s, work %u", kind, phases[w].work);
        printf("%-22s %14.0f %14.0f %8.2f  msgs/s\n", label, sm, em, em / sm);
    }
    actr_sched_stats_t st;
    actr_sched_stats(engaged->actor.sched, &st);
    printf("engaged actor: peak %u in flight (budget %u)\n", st.peak_in_flight, st.budget);
    if (rc)
        fprintf(stderr, "bench_sched: some sends failed\n");
    actr_node_free(engaged);
    actr_node_free(serial);
    actr_hyper_free(h);
    return rc;
}
