/* test_runtime_shutdown - shutdown with work in flight: messages admitted before shutdown still
 * run (then on_stop), calls made after it fail with ACTR_ECLOSED, an actor's own pending async
 * calls complete with ACTR_ECLOSED before its on_stop, and on_stop cannot start async calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rt_fixture.h"

static rt_gate_t g_gate;
static int g_served;
static int g_stop_seen_served; /* g_served when on_stop ran */
static int g_stop_async_rc;
static int g_cb_status;
static int g_cb_runs;
static int g_cb_before_stop;
static actr_id_t g_slow_id;

static int slow(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    rt_gate_wait(&g_gate, RT_WAIT_MS);
    __atomic_add_fetch(&g_served, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static void on_answer(actr_ctx_t *ctx, void *ud, int status, const actr_buf_t *resp,
                      const actr_error_t *err)
{
    g_cb_status = status;
    __atomic_add_fetch(&g_cb_runs, 1, __ATOMIC_SEQ_CST);
}

static int ask_slow(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                    actr_error_t *err)
{
    return actr_ctx_call_async(ctx, &g_slow_id, "test.Down.Slow", NULL, RT_WAIT_MS, on_answer,
                               NULL, err);
}

static int on_stop(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    g_stop_seen_served = __atomic_load_n(&g_served, __ATOMIC_SEQ_CST);
    g_cb_before_stop = __atomic_load_n(&g_cb_runs, __ATOMIC_SEQ_CST);
    actr_error_t e = {0};
    g_stop_async_rc = actr_ctx_call_async(ctx, NULL, "test.Down.Slow", NULL, 100, on_answer, NULL,
                                          &e);
    return 0;
}

static const actr_route_t routes[] = {{"test.Down.Slow", slow}, {"test.Down.Ask", ask_slow}};
static const actr_workload_vtable_t hooks = {.on_stop = on_stop};

typedef struct outcome {
    int done;
    int status;
} outcome_t;

static void host_answer(actr_ctx_t *ctx, void *ud, int status, const actr_buf_t *resp,
                        const actr_error_t *err)
{
    outcome_t *o = ud;
    o->status = status;
    __atomic_store_n(&o->done, 1, __ATOMIC_SEQ_CST);
}

static void test_admitted_messages_run_before_on_stop(void **state)
{
    (void)state;
    rt_gate_init(&g_gate);
    g_served = 0;
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "draining", routes, 2, &hooks, NULL, &ref);
    actr_error_t err = {0};
    outcome_t calls[5] = {{0}};
    for (int i = 0; i < 5; i++)
        assert_int_equal(actr_ref_call_async(ref, NULL, "test.Down.Slow", NULL, RT_WAIT_MS,
                                             host_answer, &calls[i], &err), 0);
    assert_true(rt_gate_wait_waiters(&g_gate, 1, RT_WAIT_MS));
    actr_ref_shutdown(ref);
    actr_ref_shutdown(ref); /* idempotent */
    outcome_t late = {0};
    assert_int_equal(actr_ref_call_async(ref, NULL, "test.Down.Slow", NULL, RT_WAIT_MS,
                                         host_answer, &late, &err), ACTR_ECLOSED);
    assert_int_equal(actr_ref_wait(ref, 10), ACTR_ETIMEDOUT); /* still draining */
    rt_gate_open(&g_gate);
    assert_int_equal(actr_ref_wait(ref, RT_WAIT_MS), 0);
    for (int i = 0; i < 5; i++) {
        assert_true(rt_wait_count(&calls[i].done, 1, RT_WAIT_MS));
        assert_int_equal(calls[i].status, 0);
    }
    assert_int_equal(g_stop_seen_served, 5);
    assert_int_equal(g_stop_async_rc, ACTR_ESTATE);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

static void test_pending_async_calls_fail_when_the_caller_stops(void **state)
{
    (void)state;
    rt_gate_init(&g_gate);
    g_cb_runs = 0;
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *slow_ref, *asker_ref;
    actr_node_t *slow_node = rt_node(h, "slow", routes, 2, NULL, NULL, &slow_ref);
    g_slow_id = *actr_node_id(slow_node);
    actr_node_t *asker = rt_node(h, "asker", routes, 2, &hooks, NULL, &asker_ref);
    actr_error_t err = {0};
    actr_buf_t resp;
    /* The asker's handler starts an async call to the (stuck) slow node and returns. */
    assert_int_equal(actr_ref_call(asker_ref, NULL, "test.Down.Ask", NULL, RT_WAIT_MS, &resp,
                                   &err), 0);
    assert_true(rt_gate_wait_waiters(&g_gate, 1, RT_WAIT_MS));
    actr_ref_shutdown(asker_ref);
    assert_int_equal(actr_ref_wait(asker_ref, RT_WAIT_MS), 0);
    /* The callback ran once, with ECLOSED, before on_stop. */
    assert_int_equal(g_cb_runs, 1);
    assert_int_equal(g_cb_status, ACTR_ECLOSED);
    assert_int_equal(g_cb_before_stop, 1);
    /* The late answer from the slow node is dropped (the callback never runs twice). */
    rt_gate_open(&g_gate);
    actr_ref_shutdown(slow_ref);
    assert_int_equal(actr_ref_wait(slow_ref, RT_WAIT_MS), 0);
    assert_int_equal(g_cb_runs, 1);
    actr_node_free(asker);
    actr_node_free(slow_node);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admitted_messages_run_before_on_stop),
        cmocka_unit_test(test_pending_async_calls_fail_when_the_caller_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
