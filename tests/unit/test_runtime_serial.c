/* test_runtime_serial - many threads calling and telling one actor at once: its entries never
 * overlap (an atomic turn counter), every call is answered, every tell runs; and the bounded
 * inbox: a full inbox makes tells wait, then fail with ACTR_EAGAIN. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lifecycle/node_internal.h"
#include "rt_fixture.h"

static int g_inside;  /* entries running right now */
static int g_overlap; /* times two entries ran at once */
static int g_turns;
static rt_gate_t g_gate;

static int count(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                 actr_error_t *err)
{
    if (__atomic_add_fetch(&g_inside, 1, __ATOMIC_SEQ_CST) != 1)
        __atomic_add_fetch(&g_overlap, 1, __ATOMIC_SEQ_CST);
    int turn = __atomic_add_fetch(&g_turns, 1, __ATOMIC_SEQ_CST);
    /* Make the window for an overlap wide. */
    for (volatile int i = 0; i < 200; i++)
        ;
    __atomic_sub_fetch(&g_inside, 1, __ATOMIC_SEQ_CST);
    return actr_buf_copy(&turn, sizeof turn, resp);
}

static int blocked(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                   actr_error_t *err)
{
    rt_gate_wait(&g_gate, RT_WAIT_MS);
    return 0;
}

static const actr_route_t routes[] = {{"test.Serial.Count", count},
                                      {"test.Serial.Block", blocked}};

#define THREADS 6
#define CALLS 2000

typedef struct client {
    actr_ref_t *ref;   /* whose node the client sends from */
    const actr_id_t *target;
    int failures;
} client_t;

static void *hammer(void *p)
{
    client_t *c = p;
    for (int i = 0; i < CALLS; i++) {
        actr_error_t err = {0};
        actr_buf_t resp;
        if (i % 2) {
            if (actr_ref_tell(c->ref, c->target, "test.Serial.Count", NULL, RT_WAIT_MS, &err) != 0)
                c->failures++;
            continue;
        }
        if (actr_ref_call(c->ref, c->target, "test.Serial.Count", NULL, RT_WAIT_MS, &resp,
                          &err) != 0 || resp.len != sizeof(int))
            c->failures++;
        actr_buf_release(&resp);
    }
    return NULL;
}

static void test_many_callers_one_serial_actor(void **state)
{
    (void)state;
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = 4;
    o.inbox_capacity = 64; /* small: senders also exercise the full-inbox wait */
    o.spin_us = 10;
    actr_hyper_t *h = rt_hyper_opts(&o);
    actr_ref_t *target_ref, *other_ref;
    actr_node_t *target = rt_node(h, "serial", routes, 2, NULL, NULL, &target_ref);
    actr_node_t *other = rt_node(h, "sender", routes, 2, NULL, NULL, &other_ref);
    pthread_t t[THREADS];
    client_t c[THREADS];
    for (int i = 0; i < THREADS; i++) {
        /* Half send through the target's own ref, half from another node by id. */
        c[i] = (client_t){i % 2 ? target_ref : other_ref, i % 2 ? NULL : actr_node_id(target), 0};
        pthread_create(&t[i], NULL, hammer, &c[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(c[i].failures, 0);
    }
    assert_true(rt_wait_count(&g_turns, THREADS * CALLS, RT_WAIT_MS));
    assert_int_equal(__atomic_load_n(&g_overlap, __ATOMIC_SEQ_CST), 0);
    actr_node_free(other);
    actr_node_free(target);
    actr_hyper_free(h);
}

typedef struct teller {
    actr_ref_t *ref;
    int rc;
} teller_t;

static void *tell_blocking(void *p)
{
    teller_t *t = p;
    actr_error_t err = {0};
    t->rc = actr_ref_tell(t->ref, NULL, "test.Serial.Count", NULL, RT_WAIT_MS, &err);
    return NULL;
}

/* Waits until a sender is blocked on the node's full inbox. */
static bool sender_waiting(void *n)
{
    return atomic_load(&((actr_node_t *)n)->actor.inbox.waiters) > 0;
}

static void test_full_inbox(void **state)
{
    (void)state;
    rt_gate_init(&g_gate);
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = 2;
    o.inbox_capacity = 4;
    actr_hyper_t *h = rt_hyper_opts(&o);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "full", routes, 2, NULL, NULL, &ref);
    actr_error_t err = {0};
    /* The actor is stuck in Block; its place is freed at the end of that turn, so 4 more
     * messages fill the inbox. */
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Serial.Block", NULL, 0, &err), 0);
    assert_true(rt_gate_wait_waiters(&g_gate, 1, RT_WAIT_MS));
    int queued = 0;
    while (queued < 8 && actr_ref_tell(ref, NULL, "test.Serial.Count", NULL, 0, &err) == 0)
        queued++;
    assert_int_equal(queued, 3); /* Block still holds its place until its turn ends */
    assert_int_equal(err.code, ACTR_EAGAIN);
    assert_int_equal(err.wire_code, ACTR_WIRE_UNAVAILABLE);
    /* With a timeout the sender waits, and fails when the inbox stays full. */
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Serial.Count", NULL, 20, &err), ACTR_EAGAIN);
    /* A waiting sender gets in once the actor drains. */
    teller_t tl = {ref, 1};
    pthread_t th;
    pthread_create(&th, NULL, tell_blocking, &tl);
    assert_true(rt_wait_until(sender_waiting, n, RT_WAIT_MS));
    rt_gate_open(&g_gate);
    pthread_join(th, NULL);
    assert_int_equal(tl.rc, 0);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

static void test_blocked_sender_sees_shutdown(void **state)
{
    (void)state;
    rt_gate_init(&g_gate);
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = 2;
    o.inbox_capacity = 1;
    actr_hyper_t *h = rt_hyper_opts(&o);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "closing", routes, 2, NULL, NULL, &ref);
    actr_error_t err = {0};
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Serial.Block", NULL, 0, &err), 0);
    assert_true(rt_gate_wait_waiters(&g_gate, 1, RT_WAIT_MS));
    /* The inbox is full: a sender waits for a place, and shutdown wakes it with ECLOSED. */
    teller_t waiter = {ref, 1};
    pthread_t th;
    pthread_create(&th, NULL, tell_blocking, &waiter);
    assert_true(rt_wait_until(sender_waiting, n, RT_WAIT_MS));
    actr_ref_shutdown(ref);
    pthread_join(th, NULL);
    assert_int_equal(waiter.rc, ACTR_ECLOSED);
    rt_gate_open(&g_gate);
    assert_int_equal(actr_ref_wait(ref, RT_WAIT_MS), 0);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- tells sent by a handler (the sender's outbox) ---- */

typedef struct seq_sink {
    int next;     /* the value expected next */
    int disorder; /* values that arrived out of order */
} seq_sink_t;

static int record(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    seq_sink_t *s = self;
    int v;
    memcpy(&v, req->data, sizeof v);
    if (v != s->next)
        s->disorder++;
    s->next = v + 1;
    return 0;
}

static int seen(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    return actr_buf_copy(&((seq_sink_t *)self)->next, sizeof(int), resp);
}

static actr_id_t g_sink_id;

#define SEQ_TELLS 500
/* Tells the values from..to-1 to the sink, in order, from a handler. */
static int tell_values(actr_ctx_t *ctx, int from, int to, actr_error_t *err)
{
    for (int i = from; i < to; i++) {
        actr_buf_t b;
        actr_buf_copy(&i, sizeof i, &b);
        int rc = actr_ctx_tell(ctx, &g_sink_id, "test.Seq.Record", &b, RT_WAIT_MS, err);
        actr_buf_release(&b);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Tells 0..N-1 to the sink, then asks how many it has seen: FIFO per pair means all of them. */
static int send_seq(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                    actr_error_t *err)
{
    int rc = tell_values(ctx, 0, SEQ_TELLS, err);
    return rc != 0 ? rc
                   : actr_ctx_call(ctx, &g_sink_id, "test.Seq.Seen", NULL, RT_WAIT_MS, resp, err);
}

/* A sink recording values (record, seen) and a sender serving sender_route. */
typedef struct seq_pair {
    actr_node_t *sink, *sender;
    actr_ref_t *sink_ref, *sender_ref;
} seq_pair_t;

static seq_pair_t seq_pair(actr_hyper_t *h, seq_sink_t *sink, const actr_route_t *sender_route)
{
    static const actr_route_t sink_routes[] = {{"test.Seq.Record", record},
                                               {"test.Seq.Seen", seen}};
    seq_pair_t p;
    p.sink = rt_node(h, "seqsink", sink_routes, 2, NULL, sink, &p.sink_ref);
    g_sink_id = *actr_node_id(p.sink);
    p.sender = rt_node(h, "seqsender", sender_route, 1, NULL, NULL, &p.sender_ref);
    return p;
}

static void tells_from_handler(uint32_t inbox)
{
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = 2;
    o.inbox_capacity = inbox;
    actr_hyper_t *h = rt_hyper_opts(&o);
    static const actr_route_t sender_route = {"test.Seq.Send", send_seq};
    seq_sink_t sink = {0};
    seq_pair_t p = seq_pair(h, &sink, &sender_route);
    actr_error_t err = {0};
    actr_buf_t resp;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(actr_ref_call(p.sender_ref, NULL, "test.Seq.Send", NULL, RT_WAIT_MS, &resp,
                                       &err), 0);
        int n;
        assert_int_equal(resp.len, sizeof n);
        memcpy(&n, resp.data, sizeof n);
        actr_buf_release(&resp);
        assert_int_equal(n, SEQ_TELLS); /* every earlier tell was processed first */
        sink.next = 0;
    }
    assert_int_equal(sink.disorder, 0);
    actr_node_free(p.sender);
    actr_node_free(p.sink);
    actr_hyper_free(h);
}

static void test_tells_from_a_handler_keep_order(void **state)
{
    (void)state;
    tells_from_handler(1024); /* places reserved in blocks */
    tells_from_handler(8);    /* too small for a block: one place at a time, waiting */
}

/* Tells BURST values from the request's base, then returns without calling anyone. */
#define BURST 10
static int send_burst(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                      actr_error_t *err)
{
    int base;
    memcpy(&base, req->data, sizeof base);
    return tell_values(ctx, base, base + BURST, err);
}

/* A handler's tells are in their target's inbox before its reply leaves: a tell the caller
 * sends to the same target after the reply comes after them (docs/DISPATCH.md). */
static void test_tells_of_a_handler_precede_its_reply(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    static const actr_route_t sender_route = {"test.Seq.Burst", send_burst};
    seq_sink_t sink = {0};
    seq_pair_t p = seq_pair(h, &sink, &sender_route);
    actr_error_t err = {0};
    int v = 0;
    for (int round = 0; round < 300; round++) {
        actr_buf_t base = actr_buf_static(&v, sizeof v), resp;
        assert_int_equal(actr_ref_call(p.sender_ref, NULL, "test.Seq.Burst", &base, RT_WAIT_MS,
                                       &resp, &err), 0);
        actr_buf_release(&resp);
        v += BURST;
        actr_buf_t b;
        assert_int_equal(actr_buf_copy(&v, sizeof v, &b), 0);
        assert_int_equal(actr_ref_tell(p.sink_ref, NULL, "test.Seq.Record", &b, RT_WAIT_MS, &err),
                         0);
        actr_buf_release(&b);
        v++;
    }
    actr_buf_t resp;
    assert_int_equal(actr_ref_call(p.sink_ref, NULL, "test.Seq.Seen", NULL, RT_WAIT_MS, &resp,
                                   &err), 0);
    int next;
    memcpy(&next, resp.data, sizeof next);
    actr_buf_release(&resp);
    assert_int_equal(next, v);
    assert_int_equal(sink.disorder, 0);
    actr_node_free(p.sender);
    actr_node_free(p.sink);
    actr_hyper_free(h);
}

/* ---- payload references of tells sent by a handler ---- */

static actr_buf_t g_pay_a, g_pay_b; /* refcounted: the test holds one reference on each */
static int g_bytes_a, g_bytes_b;    /* tells the sink saw with each payload's bytes */

static int tally(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                 actr_error_t *err)
{
    if (req->len > 0 && req->data[0] == 'a')
        g_bytes_a++;
    else if (req->len > 0 && req->data[0] == 'b')
        g_bytes_b++;
    return 0;
}

static int tally_seen(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                      actr_error_t *err)
{
    int n = g_bytes_a + g_bytes_b;
    return actr_buf_copy(&n, sizeof n, resp);
}

/* Same bytes many times (references taken in blocks), another block in between, a slice of the
 * first block, and the first again: 40 + 3 + 5 + 1 tells. */
static int send_mixed(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                      actr_error_t *err)
{
    actr_buf_t slice;
    if (actr_buf_slice(&g_pay_a, 0, 8, &slice) != 0)
        return ACTR_EINTERNAL;
    const actr_buf_t *plan[] = {&g_pay_a, &g_pay_b, &slice, &g_pay_a};
    const int times[] = {40, 3, 5, 1};
    int rc = 0;
    for (int p = 0; p < 4 && rc == 0; p++)
        for (int i = 0; i < times[p] && rc == 0; i++)
            rc = actr_ctx_tell(ctx, &g_sink_id, "test.Tally.Add", plan[p], RT_WAIT_MS, err);
    actr_buf_release(&slice);
    return rc == 0 ? actr_ctx_call(ctx, &g_sink_id, "test.Tally.Seen", NULL, RT_WAIT_MS, resp, err)
                   : rc;
}

static void test_tells_from_a_handler_release_every_payload_reference(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    static const actr_route_t sink_routes[] = {{"test.Tally.Add", tally},
                                               {"test.Tally.Seen", tally_seen}};
    static const actr_route_t sender_routes[] = {{"test.Tally.Send", send_mixed}};
    actr_ref_t *sink_ref, *sender_ref;
    actr_node_t *sn = rt_node(h, "tallysink", sink_routes, 2, NULL, NULL, &sink_ref);
    g_sink_id = *actr_node_id(sn);
    actr_node_t *sender = rt_node(h, "tallysender", sender_routes, 1, NULL, NULL, &sender_ref);
    uint8_t *w;
    assert_int_equal(actr_buf_alloc(64, &g_pay_a, &w), 0);
    memset(w, 'a', 64);
    assert_int_equal(actr_buf_alloc(64, &g_pay_b, &w), 0);
    memset(w, 'b', 64);
    actr_error_t err = {0};
    for (int round = 1; round <= 2; round++) {
        actr_buf_t resp;
        assert_int_equal(actr_ref_call(sender_ref, NULL, "test.Tally.Send", NULL, RT_WAIT_MS,
                                       &resp, &err), 0);
        int n;
        assert_int_equal(resp.len, sizeof n);
        memcpy(&n, resp.data, sizeof n);
        actr_buf_release(&resp);
        assert_int_equal(n, round * 49);
        assert_int_equal(g_bytes_a, round * 46);
        assert_int_equal(g_bytes_b, round * 3);
        /* The entry has returned and the sink has run every tell: only our references are
         * left (none taken ahead by the sender's outbox is kept, none dropped twice). */
        assert_int_equal(actr_buf_refcount(&g_pay_a), 1);
        assert_int_equal(actr_buf_refcount(&g_pay_b), 1);
    }
    actr_node_free(sender);
    actr_node_free(sn);
    actr_hyper_free(h);
    actr_buf_release(&g_pay_a);
    actr_buf_release(&g_pay_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_callers_one_serial_actor),
        cmocka_unit_test(test_full_inbox),
        cmocka_unit_test(test_blocked_sender_sees_shutdown),
        cmocka_unit_test(test_tells_from_a_handler_keep_order),
        cmocka_unit_test(test_tells_from_a_handler_release_every_payload_reference),
        cmocka_unit_test(test_tells_of_a_handler_precede_its_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
