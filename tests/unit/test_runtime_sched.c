/* test_runtime_sched - scenario 16 end to end on a real node (spec: runtime.md §8, engines.md
 * §11.16): an actor with declared conflict keys runs distinct keys on several workers at once,
 * the same key in order and one at a time, never more than the budget, undeclared methods and
 * unreadable keys alone, backs senders up when its queue is full, stays serial under
 * ACTR_DISPATCH_SERIAL, and drains admitted requests at shutdown. Every wait is bounded; no
 * assertion depends on timing. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch/scheduler.h"
#include "lifecycle/node_internal.h"
#include "rt_fixture.h"

#define MAX_KEYS 16
#define LOG_MAX 64

/* What the handlers saw. Reset by each test. */
static struct {
    int inside;          /* entries running now */
    int max_inside;      /* most at once */
    int key_inside[MAX_KEYS];
    int key_overlap;     /* two entries of one key at once */
    int next_seq[MAX_KEYS];
    int disorder;        /* a key's sequence numbers out of order */
    int done;            /* entries finished */
    int arrived;         /* Meet entries started */
    int met;             /* Meet entries that saw their partner */
    int alone_inside;    /* entries running when the barrier ran (itself included) */
    int log[LOG_MAX];    /* order of Hold/Alone/Count entries: key, or 100 for Alone */
    int nlog;
    int stop_saw_done;   /* `done` when on_stop ran */
    int meet_wait_ms;
} g;
static rt_gate_t g_gate;

static void reset(void)
{
    memset(&g, 0, sizeof g);
    g.meet_wait_ms = RT_WAIT_MS;
    rt_gate_init(&g_gate);
}

/* Payload: field 1 = key (uint32 varint), field 2 = sequence number (uint32 varint). */
static size_t varint(uint8_t *p, uint32_t v)
{
    size_t n = 0;
    do {
        p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

/* A payload in a refcounted buffer (a static one would be borrowed by a tell past its send).
 * Released by the msg_t's user once sent. */
typedef struct msg {
    actr_buf_t buf;
} msg_t;

static actr_buf_t *mk(msg_t *m, uint32_t key, uint32_t seq)
{
    uint8_t b[16];
    size_t n = 0;
    b[n++] = 0x08;
    n += varint(b + n, key);
    b[n++] = 0x10;
    n += varint(b + n, seq);
    assert_int_equal(actr_buf_copy(b, n, &m->buf), 0);
    return &m->buf;
}

/* Reads field 1 and 2 back (the test's own payloads only). */
static void parse(const actr_buf_t *req, uint32_t *key, uint32_t *seq)
{
    *key = *seq = 0;
    const uint8_t *p = req->data;
    for (size_t i = 0; i + 1 < req->len;) {
        uint8_t tag = p[i++];
        uint32_t v = 0;
        for (int s = 0; i < req->len; s += 7) {
            uint8_t c = p[i++];
            v |= (uint32_t)(c & 0x7f) << s;
            if (!(c & 0x80))
                break;
        }
        if (tag == 0x08)
            *key = v;
        else if (tag == 0x10)
            *seq = v;
    }
}

/* Tells route {key, seq}. */
static int tell_kv(actr_ref_t *ref, const char *route, uint32_t key, uint32_t seq,
                   int64_t timeout_ms, actr_error_t *err)
{
    msg_t m;
    int rc = actr_ref_tell(ref, NULL, route, mk(&m, key, seq), timeout_ms, err);
    actr_buf_release(&m.buf);
    return rc;
}

static void enter(void)
{
    int now = __atomic_add_fetch(&g.inside, 1, __ATOMIC_SEQ_CST);
    int max = __atomic_load_n(&g.max_inside, __ATOMIC_SEQ_CST);
    while (now > max && !__atomic_compare_exchange_n(&g.max_inside, &max, now, false,
                                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
}

static void leave(void)
{
    __atomic_sub_fetch(&g.inside, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&g.done, 1, __ATOMIC_SEQ_CST);
}

static void log_entry(int v)
{
    int i = __atomic_fetch_add(&g.nlog, 1, __ATOMIC_SEQ_CST);
    if (i < LOG_MAX)
        g.log[i] = v;
}

/* Same-key order: entries of one key never overlap and see their sequence numbers in order. */
static int seq(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
               actr_error_t *err)
{
    uint32_t k, s;
    parse(req, &k, &s);
    k %= MAX_KEYS;
    enter();
    if (__atomic_add_fetch(&g.key_inside[k], 1, __ATOMIC_SEQ_CST) != 1)
        __atomic_add_fetch(&g.key_overlap, 1, __ATOMIC_SEQ_CST);
    if ((int)s != g.next_seq[k]) /* only this key's entries touch next_seq[k] */
        __atomic_add_fetch(&g.disorder, 1, __ATOMIC_SEQ_CST);
    g.next_seq[k] = (int)s + 1;
    for (volatile int i = 0; i < 300; i++) /* widen the window for an overlap */
        ;
    __atomic_sub_fetch(&g.key_inside[k], 1, __ATOMIC_SEQ_CST);
    leave();
    return actr_buf_copy(&s, sizeof s, resp);
}

/* Both Meet entries wait for each other: only possible when they run at the same time. */
static int meet(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    enter();
    __atomic_add_fetch(&g.arrived, 1, __ATOMIC_SEQ_CST);
    if (rt_wait_count(&g.arrived, 2, g.meet_wait_ms))
        __atomic_add_fetch(&g.met, 1, __ATOMIC_SEQ_CST);
    leave();
    return 0;
}

/* Blocks on the gate (a keyed request in flight). */
static int hold(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    uint32_t k, s;
    parse(req, &k, &s);
    enter();
    rt_gate_wait(&g_gate, RT_WAIT_MS);
    log_entry((int)k);
    leave();
    return 0;
}

/* Undeclared: a barrier. Records how many entries run beside it (itself included). */
static int alone(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                 actr_error_t *err)
{
    enter();
    g.alone_inside = __atomic_load_n(&g.inside, __ATOMIC_SEQ_CST);
    log_entry(100);
    leave();
    return 0;
}

static int on_stop(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    g.stop_saw_done = __atomic_load_n(&g.done, __ATOMIC_SEQ_CST);
    return 0;
}

/* ---- synchronous calls out of a keyed request (the deadlock check) ---- */

static const actr_id_t *g_engaged_id, *g_back_id;

/* Keyed: calls the serial node B, which calls back into this actor (Pong, another key). */
static int relay(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                 actr_error_t *err)
{
    return actr_ctx_call(ctx, g_back_id, "test.Back.Bounce", req, RT_WAIT_MS, resp, err);
}

/* Keyed: a synchronous call to its own actor is refused even beside other keys. */
static int selfcall(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                    actr_error_t *err)
{
    int rc = actr_ctx_call(ctx, NULL, "test.Sched.Pong", req, RT_WAIT_MS, resp, err);
    return actr_buf_copy(&rc, sizeof rc, resp);
}

static int pong(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    return actr_buf_copy("pong", 4, resp);
}

/* On the serial node B: back into the engaged actor, with a key of its own. */
static int bounce(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    msg_t m;
    int rc = actr_ctx_call(ctx, g_engaged_id, "test.Sched.Pong", mk(&m, 77, 0), RT_WAIT_MS, resp,
                           err);
    actr_buf_release(&m.buf);
    return rc;
}

static const actr_route_t routes[] = {{"test.Sched.Seq", seq},
                                      {"test.Sched.Meet", meet},
                                      {"test.Sched.Hold", hold},
                                      {"test.Sched.Alone", alone},
                                      {"test.Sched.Relay", relay},
                                      {"test.Sched.Self", selfcall},
                                      {"test.Sched.Pong", pong}};
#define NROUTES (sizeof routes / sizeof routes[0])

static const actr_conflict_decl_t keys[] = {
    {"test.Sched.Seq", ACTR_CONFLICT_PAYLOAD_FIELD, 1, ACTR_FIELD_UINT32, NULL},
    {"test.Sched.Meet", ACTR_CONFLICT_PAYLOAD_FIELD, 1, ACTR_FIELD_UINT32, NULL},
    {"test.Sched.Hold", ACTR_CONFLICT_PAYLOAD_FIELD, 1, ACTR_FIELD_UINT32, NULL},
    {"test.Sched.Relay", ACTR_CONFLICT_PAYLOAD_FIELD, 1, ACTR_FIELD_UINT32, "calls"},
    {"test.Sched.Self", ACTR_CONFLICT_PAYLOAD_FIELD, 1, ACTR_FIELD_UINT32, "calls"},
    {"test.Sched.Pong", ACTR_CONFLICT_PAYLOAD_FIELD, 1, ACTR_FIELD_UINT32, "calls"},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const actr_workload_vtable_t stop_hook = {.on_stop = on_stop};

/* A started node with the keys above and budget/queue_cap (0: defaults). */
static actr_node_t *keyed_node(actr_hyper_t *h, const char *name, uint32_t budget,
                               uint32_t queue_cap, actr_ref_t **ref)
{
    actr_node_t *n = rt_node_registered(h, name, routes, NROUTES, &stop_hook, NULL);
    actr_error_t err = {0};
    assert_int_equal(actr_node_set_conflict_keys(n, keys, NKEYS, &err), 0);
    if (budget) {
        actr_dispatch_concurrency_t o;
        actr_dispatch_concurrency_init(&o);
        o.budget = budget;
        o.queue_cap = queue_cap;
        assert_int_equal(actr_node_set_dispatch_concurrency(n, &o, &err), 0);
    }
    assert_int_equal(actr_node_start(n, ref, &err), 0);
    return n;
}

static actr_hyper_t *hyper(uint32_t workers, uint32_t inbox)
{
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = workers;
    o.spin_us = 10;
    if (inbox)
        o.inbox_capacity = inbox;
    return rt_hyper_opts(&o);
}

/* ---- same key: FIFO, one at a time, under many concurrent senders ---- */

#define SENDERS 4
#define PER_SENDER 600

typedef struct sender {
    actr_ref_t *ref;
    uint32_t key;
    int failures;
} sender_t;

static void *send_seq(void *p)
{
    sender_t *s = p;
    for (int i = 0; i < PER_SENDER; i++) {
        msg_t m;
        actr_error_t err = {0};
        actr_buf_t resp;
        mk(&m, s->key, (uint32_t)i);
        if (i % 3 == 0) {
            if (actr_ref_call(s->ref, NULL, "test.Sched.Seq", &m.buf, RT_WAIT_MS, &resp, &err) != 0)
                s->failures++;
            else
                actr_buf_release(&resp);
        } else if (actr_ref_tell(s->ref, NULL, "test.Sched.Seq", &m.buf, RT_WAIT_MS, &err) != 0) {
            s->failures++;
        }
        actr_buf_release(&m.buf);
    }
    return NULL;
}

static void test_same_key_fifo(void **state)
{
    (void)state;
    reset();
    actr_hyper_t *h = hyper(4, 64);
    actr_ref_t *ref;
    actr_node_t *n = keyed_node(h, "fifo", 0, 0, &ref);
    assert_true(actr_node_dispatch_engaged(n));
    pthread_t t[SENDERS];
    sender_t s[SENDERS];
    /* One sender per key: two senders of one key would make their relative order arbitrary.
     * Each sender mixes calls and tells, all of which must run in its order. */
    for (int i = 0; i < SENDERS; i++) {
        s[i] = (sender_t){ref, (uint32_t)i, 0};
        pthread_create(&t[i], NULL, send_seq, &s[i]);
    }
    for (int i = 0; i < SENDERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(s[i].failures, 0);
    }
    assert_true(rt_wait_count(&g.done, SENDERS * PER_SENDER, RT_WAIT_MS));
    assert_int_equal(g.key_overlap, 0);
    assert_int_equal(g.disorder, 0);
    for (int i = 0; i < SENDERS; i++)
        assert_int_equal(g.next_seq[i], PER_SENDER);
    actr_sched_stats_t st;
    actr_sched_stats(n->actor.sched, &st);
    assert_int_equal(st.submitted, SENDERS * PER_SENDER);
    assert_true(st.peak_in_flight <= ACTR_SCHED_DEFAULT_BUDGET);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- distinct keys overlap; ACTR_DISPATCH_SERIAL forbids it ---- */

static void meet_pair(actr_ref_t *ref)
{
    actr_error_t err = {0};
    assert_int_equal(tell_kv(ref, "test.Sched.Meet", 1, 0, RT_WAIT_MS, &err), 0);
    assert_int_equal(tell_kv(ref, "test.Sched.Meet", 2, 0, RT_WAIT_MS, &err), 0);
}

static void test_distinct_keys_overlap(void **state)
{
    (void)state;
    reset();
    actr_hyper_t *h = hyper(2, 0);
    actr_ref_t *ref;
    actr_node_t *n = keyed_node(h, "overlap", 0, 0, &ref);
    meet_pair(ref);
    assert_true(rt_wait_count(&g.done, 2, RT_WAIT_MS));
    assert_int_equal(g.met, 2); /* both were inside at once: two workers */
    assert_int_equal(g.max_inside, 2);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

static void test_env_forces_serial(void **state)
{
    (void)state;
    reset();
    /* A serial actor can never meet: the first Meet gives up after this, then the second runs. */
    g.meet_wait_ms = 100;
    setenv("ACTR_DISPATCH_SERIAL", "yes", 1);
    actr_hyper_t *h = hyper(2, 0);
    actr_ref_t *ref;
    actr_node_t *n = keyed_node(h, "forced", 0, 0, &ref);
    unsetenv("ACTR_DISPATCH_SERIAL");
    assert_false(actr_node_dispatch_engaged(n));
    assert_null(n->actor.sched);
    meet_pair(ref);
    assert_true(rt_wait_count(&g.done, 2, RT_WAIT_MS));
    assert_int_equal(g.max_inside, 1);
    assert_int_equal(g.met, 1); /* only the second saw the first one's arrival */
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- never more than C in flight ---- */

static void test_budget_bound(void **state)
{
    (void)state;
    reset();
    enum { C = 3, N = 12 };
    /* A gate wait is not a runtime wait: no spare workers, so more workers than C. */
    actr_hyper_t *h = hyper(C + 1, 0);
    actr_ref_t *ref;
    actr_node_t *n = keyed_node(h, "budget", C, 64, &ref);
    actr_error_t err = {0};
    for (uint32_t k = 0; k < N; k++) {
        assert_int_equal(tell_kv(ref, "test.Sched.Hold", k, 0, RT_WAIT_MS, &err), 0);
    }
    assert_true(rt_gate_wait_waiters(&g_gate, C, RT_WAIT_MS));
    rt_gate_open(&g_gate);
    assert_true(rt_wait_count(&g.done, N, RT_WAIT_MS));
    assert_int_equal(g.max_inside, C); /* reached, never passed */
    actr_sched_stats_t st;
    actr_sched_stats(n->actor.sched, &st);
    assert_int_equal(st.peak_in_flight, C);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- Serial barriers: undeclared method, unreadable key ---- */

static void barrier_case(bool undeclared)
{
    reset();
    actr_hyper_t *h = hyper(2, 0);
    actr_ref_t *ref;
    actr_node_t *n = keyed_node(h, undeclared ? "undeclared" : "malformed", 0, 0, &ref);
    actr_error_t err = {0};
    assert_int_equal(tell_kv(ref, "test.Sched.Hold", 1, 0, RT_WAIT_MS, &err), 0);
    assert_int_equal(tell_kv(ref, "test.Sched.Hold", 2, 0, RT_WAIT_MS, &err), 0);
    assert_true(rt_gate_wait_waiters(&g_gate, 2, RT_WAIT_MS));
    if (undeclared) {
        assert_int_equal(actr_ref_tell(ref, NULL, "test.Sched.Alone", NULL, RT_WAIT_MS, &err), 0);
    } else {
        /* A declared method whose field 1 is a truncated varint: Serial, so it runs alone
         * too (Hold logs its key, 0 for the unreadable one: use Alone's marker instead). */
        static const uint8_t bad[] = {0x08, 0xff};
        actr_buf_t b = {bad, sizeof bad, NULL};
        assert_int_equal(actr_ref_tell(ref, NULL, "test.Sched.Seq", &b, RT_WAIT_MS, &err), 0);
    }
    /* Queued behind the barrier: no new keyed job starts while it waits. */
    assert_int_equal(tell_kv(ref, "test.Sched.Hold", 3, 0, RT_WAIT_MS, &err), 0);
    assert_int_equal(tell_kv(ref, "test.Sched.Hold", 4, 0, RT_WAIT_MS, &err), 0);
    rt_gate_open(&g_gate);
    assert_true(rt_wait_count(&g.done, 5, RT_WAIT_MS));
    if (undeclared) {
        assert_int_equal(g.alone_inside, 1);
        assert_int_equal(g.nlog, 5);
        assert_true((g.log[0] == 1 && g.log[1] == 2) || (g.log[0] == 2 && g.log[1] == 1));
        assert_int_equal(g.log[2], 100);
        assert_true((g.log[3] == 3 && g.log[4] == 4) || (g.log[3] == 4 && g.log[4] == 3));
    } else {
        /* The Seq entry ran between the two pairs (it logs nothing; the pairs did). */
        assert_int_equal(g.nlog, 4);
        assert_true(g.log[0] <= 2 && g.log[1] <= 2 && g.log[2] >= 3 && g.log[3] >= 3);
        assert_true(actr_conflict_spec_fallbacks(n->conflict_spec) >= 1);
    }
    actr_sched_stats_t st;
    actr_sched_stats(n->actor.sched, &st);
    assert_int_equal(st.serial_started, 1);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

static void test_undeclared_is_barrier(void **state)
{
    (void)state;
    barrier_case(true);
}

static void test_unreadable_key_is_barrier(void **state)
{
    (void)state;
    barrier_case(false);
}

/* ---- queue cap: back-pressure reaches the sender ---- */

typedef struct teller {
    actr_ref_t *ref;
    int rc;
} teller_t;

static void *tell_blocking(void *p)
{
    teller_t *t = p;
    actr_error_t err = {0};
    t->rc = tell_kv(t->ref, "test.Sched.Hold", 99, 0, RT_WAIT_MS, &err);
    return NULL;
}

static bool sender_waiting(void *n)
{
    return atomic_load(&((actr_node_t *)n)->actor.inbox.waiters) > 0;
}

static void test_queue_cap_backpressure(void **state)
{
    (void)state;
    reset();
    enum { C = 2, M = 2, INBOX = 2 };
    actr_hyper_t *h = hyper(C + 1, INBOX); /* a worker left for the feeder */
    actr_ref_t *ref;
    actr_node_t *n = keyed_node(h, "cap", C, M, &ref);
    actr_error_t err = {0};
    /* Distinct keys, all blocked: M admitted, one held by the feeder, INBOX queued, then the
     * sender waits its 20 ms and gets ACTR_EAGAIN. */
    int accepted = 0, rc = 0;
    for (uint32_t k = 0; k < 50; k++) {
        if ((rc = tell_kv(ref, "test.Sched.Hold", k, 0, 20, &err)) != 0)
            break;
        accepted++;
    }
    assert_int_equal(rc, ACTR_EAGAIN);
    assert_int_equal(err.code, ACTR_EAGAIN);
    assert_true(accepted >= INBOX && accepted <= M + 1 + INBOX);
    /* A sender with a longer timeout waits for a place and gets in once work drains. */
    teller_t tl = {ref, 1};
    pthread_t th;
    pthread_create(&th, NULL, tell_blocking, &tl);
    assert_true(rt_wait_until(sender_waiting, n, RT_WAIT_MS));
    rt_gate_open(&g_gate);
    pthread_join(th, NULL);
    assert_int_equal(tl.rc, 0);
    assert_true(rt_wait_count(&g.done, accepted + 1, RT_WAIT_MS));
    actr_sched_stats_t st;
    actr_sched_stats(n->actor.sched, &st);
    assert_true(st.peak_in_flight <= C);
    assert_int_equal(st.submitted, (uint64_t)accepted + 1);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- shutdown drains admitted requests, then on_stop ---- */

static void test_shutdown_drains(void **state)
{
    (void)state;
    reset();
    enum { N = 10 };
    actr_hyper_t *h = hyper(2, 0);
    actr_ref_t *ref;
    actr_node_t *n = keyed_node(h, "drain", 2, 16, &ref);
    actr_error_t err = {0};
    for (uint32_t k = 0; k < N; k++) {
        assert_int_equal(tell_kv(ref, "test.Sched.Hold", k, 0, RT_WAIT_MS, &err), 0);
    }
    assert_true(rt_gate_wait_waiters(&g_gate, 2, RT_WAIT_MS));
    actr_ref_shutdown(ref);
    assert_int_equal(tell_kv(ref, "test.Sched.Hold", 50, 0, 0, &err),
                     ACTR_ECLOSED);
    rt_gate_open(&g_gate);
    assert_int_equal(actr_ref_wait(ref, RT_WAIT_MS), 0);
    assert_int_equal(g.done, N);
    assert_int_equal(g.stop_saw_done, N); /* on_stop ran after the last admitted request */
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* A keyed request blocked in a call does not block its actor: a call back into it with
 * another key is served (a serial actor would refuse it as a deadlock); a call to itself is
 * still refused. */
static void test_call_back_into_engaged_actor(void **state)
{
    (void)state;
    reset();
    actr_hyper_t *h = hyper(2, 0);
    actr_ref_t *ref, *bref;
    actr_node_t *a = keyed_node(h, "relay", 0, 0, &ref);
    static const actr_route_t back[] = {{"test.Back.Bounce", bounce}};
    actr_node_t *b = rt_node(h, "back", back, 1, NULL, NULL, &bref);
    g_engaged_id = actr_node_id(a);
    g_back_id = actr_node_id(b);
    actr_error_t err = {0};
    msg_t m;
    actr_buf_t resp;
    int rc = actr_ref_call(ref, NULL, "test.Sched.Relay", mk(&m, 1, 0), RT_WAIT_MS, &resp, &err);
    actr_buf_release(&m.buf);
    assert_int_equal(rc, 0);
    assert_int_equal(resp.len, 4);
    assert_memory_equal(resp.data, "pong", 4);
    actr_buf_release(&resp);
    rc = actr_ref_call(ref, NULL, "test.Sched.Self", mk(&m, 2, 0), RT_WAIT_MS, &resp, &err);
    actr_buf_release(&m.buf);
    assert_int_equal(rc, 0);
    int inner;
    assert_int_equal(resp.len, sizeof inner);
    memcpy(&inner, resp.data, sizeof inner);
    assert_int_equal(inner, ACTR_ESTATE);
    actr_buf_release(&resp);
    actr_node_free(b);
    actr_node_free(a);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- the setters ---- */

static void test_setters(void **state)
{
    (void)state;
    actr_hyper_t *h = hyper(1, 0);
    actr_node_t *n = rt_node_registered(h, "setters", routes, NROUTES, NULL, NULL);
    actr_error_t err = {0};
    actr_conflict_decl_t dup[] = {keys[0], keys[0]};
    assert_int_equal(actr_node_set_conflict_keys(n, dup, 2, &err), ACTR_EEXIST);
    actr_conflict_decl_t bad = {"test.Sched.Seq", ACTR_CONFLICT_PAYLOAD_FIELD, 0,
                                ACTR_FIELD_UINT32, NULL};
    assert_int_equal(actr_node_set_conflict_keys(n, &bad, 1, &err), ACTR_EINVAL);
    actr_dispatch_concurrency_t o;
    actr_dispatch_concurrency_init(&o);
    assert_true(o.enabled);
    assert_int_equal(o.budget, 8);
    assert_int_equal(o.queue_cap, 256);
    o.queue_cap = 4;
    o.budget = 5;
    assert_int_equal(actr_node_set_dispatch_concurrency(n, &o, &err), ACTR_EINVAL);
    /* Keys then cleared again (n = 0): the node starts serial. */
    assert_int_equal(actr_node_set_conflict_keys(n, keys, NKEYS, &err), 0);
    assert_int_equal(actr_node_set_conflict_keys(n, NULL, 0, &err), 0);
    actr_ref_t *ref;
    assert_int_equal(actr_node_start(n, &ref, &err), 0);
    assert_false(actr_node_dispatch_engaged(n));
    assert_int_equal(actr_node_set_conflict_keys(n, keys, NKEYS, &err), ACTR_ESTATE);
    actr_node_free(n);
    /* Disabled with keys: serial too. */
    n = rt_node_registered(h, "disabled", routes, NROUTES, NULL, NULL);
    assert_int_equal(actr_node_set_conflict_keys(n, keys, NKEYS, &err), 0);
    actr_dispatch_concurrency_init(&o);
    o.enabled = false;
    assert_int_equal(actr_node_set_dispatch_concurrency(n, &o, &err), 0);
    assert_int_equal(actr_node_start(n, &ref, &err), 0);
    assert_false(actr_node_dispatch_engaged(n));
    actr_node_free(n);
    actr_hyper_free(h);
}

int main(void)
{
    unsetenv("ACTR_DISPATCH_SERIAL");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_key_fifo),
        cmocka_unit_test(test_distinct_keys_overlap),
        cmocka_unit_test(test_env_forces_serial),
        cmocka_unit_test(test_budget_bound),
        cmocka_unit_test(test_undeclared_is_barrier),
        cmocka_unit_test(test_unreadable_key_is_barrier),
        cmocka_unit_test(test_queue_cap_backpressure),
        cmocka_unit_test(test_shutdown_drains),
        cmocka_unit_test(test_call_back_into_engaged_actor),
        cmocka_unit_test(test_setters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
