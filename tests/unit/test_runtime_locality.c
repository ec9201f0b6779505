/* test_runtime_locality - where an actor made ready by a handler runs: on the sender's worker
 * (its local queue), inside the sender when the sender finds the target's inbox full, and on
 * another worker once the sender's worker stays busy too long. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rt_fixture.h"

static actr_id_t g_sink_id;
static pthread_t g_sender_thread;
static int g_sender_inside;   /* the sender's handler is running */
static int g_received;        /* tells the sink handled */
static int g_disorder;        /* tells that arrived out of order */
static int g_nested;          /* sink entries that ran on the sender's thread inside its handler */
static int g_while_sender_busy; /* sink entries elsewhere while the sender's handler ran */

static int sink_record(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                       actr_error_t *err)
{
    int v = -1;
    if (req->len == sizeof v)
        memcpy(&v, req->data, sizeof v);
    if (v != __atomic_load_n(&g_received, __ATOMIC_SEQ_CST))
        __atomic_add_fetch(&g_disorder, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&g_sender_inside, __ATOMIC_SEQ_CST)) {
        if (pthread_equal(pthread_self(), g_sender_thread))
            __atomic_add_fetch(&g_nested, 1, __ATOMIC_SEQ_CST);
        else
            __atomic_add_fetch(&g_while_sender_busy, 1, __ATOMIC_SEQ_CST);
    }
    __atomic_add_fetch(&g_received, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* Marks the sender's handler as running on this thread, then tells the values 0..n-1. */
static int enter_and_tell(actr_ctx_t *ctx, int n, actr_error_t *err)
{
    g_sender_thread = pthread_self();
    __atomic_store_n(&g_sender_inside, 1, __ATOMIC_SEQ_CST);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        actr_buf_t b;
        actr_buf_copy(&i, sizeof i, &b);
        rc = actr_ctx_tell(ctx, &g_sink_id, "test.Loc.Record", &b, RT_WAIT_MS, err);
        actr_buf_release(&b);
    }
    return rc;
}

#define FLOOD 200
/* Tells FLOOD values, many more than the sink's inbox holds, from one entry. */
static int flood(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                 actr_error_t *err)
{
    int rc = enter_and_tell(ctx, FLOOD, err);
    __atomic_store_n(&g_sender_inside, 0, __ATOMIC_SEQ_CST);
    return rc;
}

/* Tells a handler sends leave in chains of ACTR_OUTBOX_MAX (or when it returns). */
#define CHAIN 32

/* Tells a chain, then stays busy (no runtime call, no wait the pool can see) until the sink has
 * handled something, for at most 3 s. */
static int tell_then_spin(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                          actr_error_t *err)
{
    int rc = enter_and_tell(ctx, CHAIN, err);
    for (int i = 0; rc == 0 && i < 3000 && __atomic_load_n(&g_received, __ATOMIC_SEQ_CST) == 0;
         i++)
        rt_sleep_ms(1); /* a plain sleep: to the pool this worker is busy, not blocked */
    __atomic_store_n(&g_sender_inside, 0, __ATOMIC_SEQ_CST);
    return rc;
}

static const actr_route_t sink_routes[] = {{"test.Loc.Record", sink_record}};
static const actr_route_t sender_routes[] = {{"test.Loc.Flood", flood},
                                             {"test.Loc.TellThenSpin", tell_then_spin}};

typedef struct pair {
    actr_hyper_t *h;
    actr_node_t *sink, *sender;
    actr_ref_t *sink_ref, *sender_ref;
} pair_t;

static pair_t pair_new(uint32_t workers, uint32_t inbox, uint32_t spin_us)
{
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = workers;
    o.inbox_capacity = inbox;
    o.spin_us = spin_us;
    pair_t p;
    p.h = rt_hyper_opts(&o);
    p.sink = rt_node(p.h, "locsink", sink_routes, 1, NULL, NULL, &p.sink_ref);
    g_sink_id = *actr_node_id(p.sink);
    p.sender = rt_node(p.h, "locsender", sender_routes, 2, NULL, NULL, &p.sender_ref);
    g_received = g_disorder = g_nested = g_while_sender_busy = 0;
    return p;
}

static void pair_free(pair_t *p)
{
    actr_node_free(p->sender);
    actr_node_free(p->sink);
    actr_hyper_free(p->h);
}

/* A sender that fills the inbox of an actor it made ready runs that actor's turns itself: the
 * actor is queued on the sender's own worker, so waiting would only hold that worker (with one
 * worker, until a spare thread starts). */
static void full_inbox_runs_the_target_in_the_sender(uint32_t workers)
{
    pair_t p = pair_new(workers, 8, 50);
    actr_error_t err = {0};
    actr_buf_t resp;
    assert_int_equal(actr_ref_call(p.sender_ref, NULL, "test.Loc.Flood", NULL, RT_WAIT_MS, &resp,
                                   &err), 0);
    actr_buf_release(&resp);
    assert_true(rt_wait_count(&g_received, FLOOD, RT_WAIT_MS));
    assert_int_equal(g_disorder, 0);
    if (workers == 1) {
        /* Most of the flood cannot fit: the sink drained it nested in the sender, and as nobody
         * waited no spare worker was started. */
        assert_true(g_nested >= FLOOD / 2);
        assert_int_equal(g_while_sender_busy, 0);
        assert_int_equal(actr_hyper_worker_count(p.h), 1);
    } else {
        /* The other worker may take the sink if the sender's thread is descheduled for long
         * (a loaded machine), but not every time: waiting would hand it over every time. */
        assert_true(g_nested > 0);
    }
    pair_free(&p);
}

static void test_full_inbox_runs_the_target_in_the_sender(void **state)
{
    (void)state;
    full_inbox_runs_the_target_in_the_sender(1);
    full_inbox_runs_the_target_in_the_sender(2);
}

/* The sink made ready by a handler that then stays busy is taken by the other worker, asleep
 * when the tell was sent (no spinning), within a bounded time: it does not wait for the
 * sender's turn to end. */
static void test_a_busy_senders_target_runs_elsewhere(void **state)
{
    (void)state;
    pair_t p = pair_new(2, 64, 0);
    rt_sleep_ms(20); /* both workers asleep */
    actr_error_t err = {0};
    actr_buf_t resp;
    assert_int_equal(actr_ref_call(p.sender_ref, NULL, "test.Loc.TellThenSpin", NULL, RT_WAIT_MS,
                                   &resp, &err), 0);
    actr_buf_release(&resp);
    assert_true(rt_wait_count(&g_received, CHAIN, RT_WAIT_MS));
    assert_int_equal(g_disorder, 0);
    assert_true(g_while_sender_busy > 0);
    assert_int_equal(g_nested, 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_inbox_runs_the_target_in_the_sender),
        cmocka_unit_test(test_a_busy_senders_target_runs_elsewhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
