/* test_runtime_hooks - observation hooks: delivered in emission order on the actor's serial
 * context with "hook:<name>" request ids; the emitter never waits for a slow workload; the
 * per-actor queue is bounded (newest dropped, counted in the next event's dropped_before). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lifecycle/hooks.h"
#include "lifecycle/node_internal.h"
#include "rt_fixture.h"

#define MAX_SEEN 64

typedef struct seen {
    int n;
    uint32_t attempts[MAX_SEEN];
    uint64_t dropped[MAX_SEEN];
    char rid[MAX_SEEN][40];
} seen_t;

static rt_gate_t g_gate;

static void on_hook(void *self, actr_ctx_t *ctx, const actr_hook_event_t *ev)
{
    seen_t *s = self;
    int i = s->n;
    if (i < MAX_SEEN) {
        s->attempts[i] = ev->attempt;
        s->dropped[i] = ev->dropped_before;
        snprintf(s->rid[i], sizeof s->rid[i], "%s", actr_ctx_request_id(ctx));
    }
    __atomic_store_n(&s->n, i + 1, __ATOMIC_SEQ_CST);
}

static int block(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                 actr_error_t *err)
{
    rt_gate_wait(&g_gate, RT_WAIT_MS);
    return 0;
}

static const actr_route_t routes[] = {{"test.Hooks.Block", block}};
static const actr_workload_vtable_t hooks = {.on_hook = on_hook};

static actr_hook_event_t connecting(uint32_t attempt)
{
    actr_hook_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = ACTR_HOOK_SIGNALING_CONNECTING;
    ev.attempt = attempt;
    return ev;
}

static void test_in_order_without_blocking_the_emitter(void **state)
{
    (void)state;
    rt_gate_init(&g_gate);
    actr_hyper_t *h = rt_hyper(2);
    seen_t s = {0};
    actr_node_t *n = rt_node_registered(h, "hooked", routes, 1, &hooks, &s);
    actr_hook_event_t ev = connecting(0);
    assert_int_equal(actr_hooks_emit(n, &ev), ACTR_ESTATE); /* not started: dropped */
    actr_ref_t *ref;
    actr_error_t err = {0};
    assert_int_equal(actr_node_start(n, &ref, &err), 0);
    /* The workload is stuck in a handler: every emit still returns at once. */
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Hooks.Block", NULL, 0, &err), 0);
    assert_true(rt_gate_wait_waiters(&g_gate, 1, RT_WAIT_MS));
    for (uint32_t i = 1; i <= 40; i++) {
        ev = connecting(i);
        assert_int_equal(actr_hooks_emit(n, &ev), 0);
    }
    assert_int_equal(__atomic_load_n(&s.n, __ATOMIC_SEQ_CST), 0); /* none delivered yet */
    rt_gate_open(&g_gate);
    assert_true(rt_wait_count(&s.n, 40, RT_WAIT_MS));
    for (int i = 0; i < 40; i++) {
        assert_int_equal(s.attempts[i], (uint32_t)i + 1);
        assert_int_equal(s.dropped[i], 0);
        assert_string_equal(s.rid[i], "hook:on_signaling_connecting");
    }
    actr_ref_shutdown(ref);
    assert_int_equal(actr_ref_wait(ref, RT_WAIT_MS), 0);
    ev = connecting(99);
    assert_int_equal(actr_hooks_emit(n, &ev), ACTR_ESTATE); /* stopped: dropped */
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

static void test_overflow_drops_newest_and_counts(void **state)
{
    (void)state;
    rt_gate_init(&g_gate);
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = 2;
    o.hook_queue_capacity = 4;
    actr_hyper_t *h = rt_hyper_opts(&o);
    seen_t s = {0};
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "overflow", routes, 1, &hooks, &s, &ref);
    actr_error_t err = {0};
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Hooks.Block", NULL, 0, &err), 0);
    assert_true(rt_gate_wait_waiters(&g_gate, 1, RT_WAIT_MS));
    for (uint32_t i = 1; i <= 6; i++) {
        actr_hook_event_t ev = connecting(i);
        assert_int_equal(actr_hooks_emit(n, &ev), i <= 4 ? 0 : ACTR_EAGAIN);
    }
    rt_gate_open(&g_gate);
    assert_true(rt_wait_count(&s.n, 4, RT_WAIT_MS));
    actr_hook_event_t ev = connecting(7);
    assert_int_equal(actr_hooks_emit(n, &ev), 0);
    assert_true(rt_wait_count(&s.n, 5, RT_WAIT_MS));
    assert_int_equal(s.attempts[3], 4);
    assert_int_equal(s.attempts[4], 7);
    assert_int_equal(s.dropped[4], 2); /* events 5 and 6 */
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

static void test_hook_names(void **state)
{
    (void)state;
    assert_string_equal(actr_hook_kind_name(ACTR_HOOK_MAILBOX_BACKPRESSURE),
                        "on_mailbox_backpressure");
    assert_string_equal(actr_hook_kind_name(ACTR_HOOK_WEBRTC_DISCONNECTED),
                        "on_webrtc_disconnected");
    assert_string_equal(actr_hook_kind_name((actr_hook_kind_t)999), "on_unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_without_blocking_the_emitter),
        cmocka_unit_test(test_overflow_drops_newest_and_counts),
        cmocka_unit_test(test_hook_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
