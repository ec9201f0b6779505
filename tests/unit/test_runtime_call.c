/* test_runtime_call - in-process RPC semantics (engines.md scenario 20): tell vs call, unknown
 * route (10006), handler errors carry their wire code, send-side timeout validation, direction
 * checks, a request with no deadline still answered, zero-copy payloads, timeouts, async calls
 * and calls between actors from inside handlers (with the deadlock check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "actr/ctx.h"
#include "lifecycle/deadlines.h"
#include "lifecycle/host.h"
#include "lifecycle/loop.h"
#include "lifecycle/node_internal.h"
#include "rt_fixture.h"

static int g_runs;         /* handler runs (atomic builtins) */
static const uint8_t *g_seen_data;
static char g_caller[ACTR_ID_STR_SIZE];
static rt_gate_t g_gate;

static int echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    __atomic_add_fetch(&g_runs, 1, __ATOMIC_SEQ_CST);
    g_seen_data = req->data;
    const actr_id_t *caller = actr_ctx_caller_id(ctx);
    if (caller)
        actr_id_format(caller, g_caller, sizeof g_caller, NULL);
    else
        snprintf(g_caller, sizeof g_caller, "none");
    *resp = actr_buf_ref(req);
    return 0;
}

static int failing(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    __atomic_add_fetch(&g_runs, 1, __ATOMIC_SEQ_CST);
    *resp = actr_buf_ref(req); /* released by the runtime on error */
    return actr_error_set(err, ACTR_EPERM, ACTR_KIND_CLIENT, 0, "no entry for %s",
                          actr_ctx_request_id(ctx));
}

static int slow(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    __atomic_add_fetch(&g_runs, 1, __ATOMIC_SEQ_CST);
    rt_gate_wait(&g_gate, RT_WAIT_MS);
    return 0;
}

static const actr_route_t svc_routes[] = {
    {"test.Svc.Echo", echo}, {"test.Svc.Fail", failing}, {"test.Svc.Slow", slow}};

static void reset(void)
{
    __atomic_store_n(&g_runs, 0, __ATOMIC_SEQ_CST);
    g_seen_data = NULL;
    g_caller[0] = '\0';
    rt_gate_init(&g_gate);
}

static void test_call_tell_and_errors(void **state)
{
    (void)state;
    reset();
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "svc", svc_routes, 3, NULL, NULL, &ref);
    actr_error_t err = {0};
    actr_buf_t req = rt_str("hello"), resp;
    /* call: the answer comes back; the caller is the host application (no caller id). */
    assert_int_equal(actr_ref_call(ref, NULL, "test.Svc.Echo", &req, RT_WAIT_MS, &resp, &err), 0);
    assert_int_equal(resp.len, 5);
    assert_memory_equal(resp.data, "hello", 5);
    actr_buf_release(&resp);
    assert_string_equal(g_caller, "none");
    /* unknown route: 10006 UnknownRoute, ENOTFOUND. */
    assert_int_equal(actr_ref_call(ref, NULL, "test.Svc.Nope", &req, RT_WAIT_MS, &resp, &err),
                     ACTR_ENOTFOUND);
    assert_int_equal(err.wire_code, ACTR_WIRE_UNKNOWN_ROUTE);
    assert_string_equal(err.message, "unknown route: test.Svc.Nope");
    assert_int_equal(resp.len, 0);
    /* A handler error reaches the caller with its wire code and message. */
    assert_int_equal(actr_ref_call(ref, NULL, "test.Svc.Fail", &req, RT_WAIT_MS, &resp, &err),
                     ACTR_EPERM);
    assert_int_equal(err.wire_code, ACTR_WIRE_PERMISSION_DENIED);
    assert_non_null(strstr(err.message, "no entry for "));
    /* tell: the handler runs, nothing comes back, not even its error. */
    __atomic_store_n(&g_runs, 0, __ATOMIC_SEQ_CST);
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Svc.Fail", &req, 0, &err), 0);
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Svc.Nope", &req, 0, &err), 0);
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Svc.Echo", &req, 0, &err), 0);
    assert_true(rt_wait_count(&g_runs, 2, RT_WAIT_MS));
    /* Send-side validation: a call needs a timeout > 0, and a route key. */
    assert_int_equal(actr_ref_call(ref, NULL, "test.Svc.Echo", &req, 0, &resp, &err), ACTR_EINVAL);
    assert_int_equal(err.wire_code, ACTR_WIRE_INVALID_ARGUMENT);
    assert_int_equal(actr_ref_call(ref, NULL, "test.Svc.Echo", &req, -5, &resp, &err), ACTR_EINVAL);
    assert_int_equal(actr_ref_tell(ref, NULL, NULL, &req, 0, &err), ACTR_EINVAL);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

static void test_payload_is_not_copied(void **state)
{
    (void)state;
    reset();
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "zc", svc_routes, 3, NULL, NULL, &ref);
    actr_buf_t big;
    uint8_t *w;
    assert_int_equal(actr_buf_alloc(4096, &big, &w), 0);
    memset(w, 0xab, 4096);
    actr_buf_t resp;
    actr_error_t err = {0};
    assert_int_equal(actr_ref_call(ref, NULL, "test.Svc.Echo", &big, RT_WAIT_MS, &resp, &err), 0);
    /* The handler saw the caller's bytes, and answered with them: same pointer both ways. */
    assert_ptr_equal(g_seen_data, big.data);
    assert_ptr_equal(resp.data, big.data);
    assert_int_equal(actr_buf_refcount(&big), 2);
    actr_buf_release(&resp);
    assert_int_equal(actr_buf_refcount(&big), 1);
    /* A tell holds its own reference until the handler has run. */
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Svc.Echo", &big, 0, &err), 0);
    actr_buf_release(&big);
    assert_true(rt_wait_count(&g_runs, 2, RT_WAIT_MS));
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

static bool answered(void *r)
{
    return !actr_request_pending(r);
}

static void test_direction_checks_and_zero_timeout(void **state)
{
    (void)state;
    reset();
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "dir", svc_routes, 3, NULL, NULL, &ref);
    actr_buf_t req = rt_str("x");
    /* UNSPECIFIED and RESPONSE on the dispatch lane: dropped, handler not run. */
    actr_direction_t bad[] = {ACTR_DIR_UNSPECIFIED, ACTR_DIR_RESPONSE};
    for (int i = 0; i < 2; i++) {
        actr_request_t *r = actr_request_new(bad[i], ACTR_REQ_TELL, "test.Svc.Echo", 13, &req);
        assert_int_equal(actr_host_deliver(n, r, 0), 0);
    }
    /* A REQUEST with no deadline (timeout_ms 0 on the wire) is still answered. */
    actr_request_t *r = actr_request_new(ACTR_DIR_REQUEST, ACTR_REQ_SYNC, "test.Svc.Echo", 13, &req);
    actr_request_ref(r);
    assert_int_equal(r->call->deadline_ns, 0);
    assert_int_equal(actr_host_deliver(n, r, 0), 0);
    assert_true(rt_wait_until(answered, r, RT_WAIT_MS));
    actr_buf_t resp;
    actr_error_t err = {0};
    assert_int_equal(actr_request_wait(r, 0, NULL, NULL, NULL, &resp, &err), 0);
    assert_memory_equal(resp.data, "x", 1);
    actr_buf_release(&resp);
    actr_request_unref(r);
    /* FIFO: the two dropped messages were before the request and did not run. */
    assert_int_equal(__atomic_load_n(&g_runs, __ATOMIC_SEQ_CST), 1);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

static void test_timeouts(void **state)
{
    (void)state;
    reset();
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "slowpoke", svc_routes, 3, NULL, NULL, &ref);
    actr_error_t err = {0};
    actr_buf_t resp;
    /* The handler blocks on the gate: the call times out. */
    assert_int_equal(actr_ref_call(ref, NULL, "test.Svc.Slow", NULL, 30, &resp, &err),
                     ACTR_ETIMEDOUT);
    assert_int_equal(err.wire_code, ACTR_WIRE_TIMED_OUT);
    /* Queued behind it, a call whose caller gave up is skipped, never run. */
    assert_int_equal(actr_ref_call(ref, NULL, "test.Svc.Echo", NULL, 20, &resp, &err),
                     ACTR_ETIMEDOUT);
    rt_gate_open(&g_gate);
    assert_int_equal(actr_ref_call(ref, NULL, "test.Svc.Echo", NULL, RT_WAIT_MS, &resp, &err), 0);
    assert_int_equal(__atomic_load_n(&g_runs, __ATOMIC_SEQ_CST), 2); /* slow + last echo */
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- async calls ---- */

typedef struct outcome {
    int done;
    int status;
    uint32_t wire;
    char text[32];
    int had_ctx;
} outcome_t;

static void on_answer(actr_ctx_t *ctx, void *userdata, int status, const actr_buf_t *resp,
                      const actr_error_t *err)
{
    outcome_t *o = userdata;
    o->status = status;
    o->wire = status ? err->wire_code : 0;
    snprintf(o->text, sizeof o->text, "%.*s", (int)resp->len, (const char *)resp->data);
    o->had_ctx = ctx != NULL;
    __atomic_store_n(&o->done, 1, __ATOMIC_SEQ_CST);
}

static void test_async_calls_from_the_host(void **state)
{
    (void)state;
    reset();
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "async", svc_routes, 3, NULL, NULL, &ref);
    actr_error_t err = {0};
    actr_buf_t req = rt_str("pong");
    outcome_t ok = {0}, late = {0};
    assert_int_equal(actr_ref_call_async(ref, NULL, "test.Svc.Echo", &req, RT_WAIT_MS, on_answer,
                                         &ok, &err), 0);
    assert_true(rt_wait_count(&ok.done, 1, RT_WAIT_MS));
    assert_int_equal(ok.status, 0);
    assert_string_equal(ok.text, "pong");
    assert_false(ok.had_ctx);
    /* The deadline fires on the loop timer while the handler is stuck. */
    assert_int_equal(actr_ref_call_async(ref, NULL, "test.Svc.Slow", &req, 20, on_answer, &late,
                                         &err), 0);
    assert_true(rt_wait_count(&late.done, 1, RT_WAIT_MS));
    assert_int_equal(late.status, ACTR_ETIMEDOUT);
    assert_int_equal(late.wire, ACTR_WIRE_TIMED_OUT);
    rt_gate_open(&g_gate);
    assert_int_equal(actr_ref_call_async(ref, NULL, "test.Svc.Echo", &req, 0, on_answer, &ok,
                                         &err), ACTR_EINVAL);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- deadlines of asynchronous calls (lifecycle/deadlines.c) ---- */

static int g_answered, g_answered_ok, g_timed_out;

static void count_answer(actr_ctx_t *ctx, void *userdata, int status, const actr_buf_t *resp,
                         const actr_error_t *err)
{
    (void)ctx, (void)userdata, (void)resp, (void)err;
    if (status == 0)
        __atomic_add_fetch(&g_answered_ok, 1, __ATOMIC_SEQ_CST);
    else if (status == ACTR_ETIMEDOUT)
        __atomic_add_fetch(&g_timed_out, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&g_answered, 1, __ATOMIC_SEQ_CST);
}

static rt_gate_t g_loop_gate;

static void block_loop(uv_loop_t *uv, void *arg)
{
    (void)uv, (void)arg;
    rt_gate_wait(&g_loop_gate, RT_WAIT_MS);
}

/* More asynchronous calls than the loop's command queue holds, while the loop thread is stuck:
 * arming a deadline needs no loop command, so none of them is refused. */
static void test_async_burst_while_the_loop_is_busy(void **state)
{
    (void)state;
    reset();
    enum { QUEUE = 64, N = 900 }; /* N: above the loop's queue, below the actor's inbox (1024) */
    g_answered = g_answered_ok = g_timed_out = 0;
    rt_gate_init(&g_loop_gate);
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = 2;
    o.loop_queue_capacity = QUEUE;
    actr_hyper_t *h = rt_hyper_opts(&o);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "burst", svc_routes, 3, NULL, NULL, &ref);
    actr_error_t err = {0};
    actr_buf_t req = rt_str("x");
    assert_int_equal(actr_loop_post(h->loop, block_loop, NULL), 0);
    assert_true(rt_gate_wait_waiters(&g_loop_gate, 1, RT_WAIT_MS));
    for (int i = 0; i < N; i++)
        assert_int_equal(actr_ref_call_async(ref, NULL, "test.Svc.Echo", &req, RT_WAIT_MS,
                                             count_answer, NULL, &err), 0);
    /* The answers come from the workers, the loop is not needed for them. */
    assert_true(rt_wait_count(&g_answered, N, RT_WAIT_MS));
    rt_gate_open(&g_loop_gate);
    assert_int_equal(g_answered_ok, N);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_loop_gate);
    rt_gate_destroy(&g_gate);
}

/* Many distinct timeouts (more than the per-timeout lists): each call times out on its own. */
static void test_async_deadlines_of_many_timeouts(void **state)
{
    (void)state;
    reset();
    enum { N = 2 * ACTR_DEADLINE_BUCKETS + 8 };
    g_answered = g_answered_ok = g_timed_out = 0;
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "timeouts", svc_routes, 3, NULL, NULL, &ref);
    actr_error_t err = {0};
    actr_buf_t req = rt_str("x");
    /* The first call holds the (serial) actor in Slow; the others wait behind it. Deadlines go
     * in decreasing order so the shared list must insert in front of what it holds. */
    for (int i = 0; i < N; i++)
        assert_int_equal(actr_ref_call_async(ref, NULL, "test.Svc.Slow", &req, 20 + 3 * (N - i),
                                             count_answer, NULL, &err), 0);
    assert_true(rt_wait_count(&g_timed_out, N, RT_WAIT_MS));
    assert_int_equal(g_answered, N);
    rt_gate_open(&g_gate);
    actr_node_free(n);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- actor to actor ---- */

static actr_id_t g_peer;     /* the callee of the front actor */
static int g_deadlock_rc;    /* what a synchronous self-call returned */
static outcome_t g_self_async;

static int front_call(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                      actr_error_t *err)
{
    /* A synchronous call from inside a handler to another node. */
    return actr_ctx_call(ctx, &g_peer, "test.Svc.Echo", req, RT_WAIT_MS, resp, err);
}

static int front_self(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                      actr_error_t *err)
{
    actr_error_t e = {0};
    actr_buf_t r;
    g_deadlock_rc = actr_ctx_call(ctx, NULL, "test.Svc.Echo", req, RT_WAIT_MS, &r, &e);
    /* Asynchronously to itself is fine: the answer comes after this entry returns. */
    return actr_ctx_call_async(ctx, NULL, "test.Svc.Echo", req, RT_WAIT_MS, on_answer,
                               &g_self_async, err);
}

static int front_echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                      actr_error_t *err)
{
    *resp = actr_buf_ref(req);
    return 0;
}

/* B's handler calls A back synchronously while A waits on B: a cycle. */
static actr_id_t g_front_id;
static int back_cycle(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                      actr_error_t *err)
{
    return actr_ctx_call(ctx, &g_front_id, "test.Svc.Echo", req, RT_WAIT_MS, resp, err);
}

static int front_cycle(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                       actr_error_t *err)
{
    return actr_ctx_call(ctx, &g_peer, "test.Back.Cycle", req, RT_WAIT_MS, resp, err);
}

static void test_actor_to_actor(void **state)
{
    (void)state;
    reset();
    actr_hyper_t *h = rt_hyper(1);
    static const actr_route_t back_routes[] = {{"test.Svc.Echo", echo},
                                               {"test.Back.Cycle", back_cycle}};
    static const actr_route_t front_routes[] = {{"test.Front.Call", front_call},
                                                {"test.Front.Self", front_self},
                                                {"test.Front.Cycle", front_cycle},
                                                {"test.Svc.Echo", front_echo}};
    actr_ref_t *bref, *fref;
    actr_node_t *back = rt_node(h, "back", back_routes, 2, NULL, NULL, &bref);
    actr_node_t *front = rt_node(h, "front", front_routes, 4, NULL, NULL, &fref);
    g_peer = *actr_node_id(back);
    g_front_id = *actr_node_id(front);
    actr_error_t err = {0};
    actr_buf_t req = rt_str("via"), resp;
    assert_int_equal(actr_ref_call(fref, NULL, "test.Front.Call", &req, RT_WAIT_MS, &resp, &err), 0);
    assert_memory_equal(resp.data, "via", 3);
    actr_buf_release(&resp);
    /* The callee saw the front actor as its caller. */
    char front_text[ACTR_ID_STR_SIZE];
    actr_id_format(actr_node_id(front), front_text, sizeof front_text, NULL);
    assert_string_equal(g_caller, front_text);
    /* A synchronous self-call fails at once; the async one completes on the actor. */
    assert_int_equal(actr_ref_call(fref, NULL, "test.Front.Self", &req, RT_WAIT_MS, &resp, &err), 0);
    assert_int_equal(g_deadlock_rc, ACTR_ESTATE);
    assert_true(rt_wait_count(&g_self_async.done, 1, RT_WAIT_MS));
    assert_int_equal(g_self_async.status, 0);
    assert_string_equal(g_self_async.text, "via");
    assert_true(g_self_async.had_ctx);
    /* A → B → A synchronously: detected, fails with ESTATE instead of waiting 10 s. */
    assert_int_equal(actr_ref_call(fref, NULL, "test.Front.Cycle", &req, RT_WAIT_MS, &resp, &err),
                     ACTR_EINVAL);
    assert_non_null(strstr(err.message, "deadlock"));
    /* The host calls another node through its ref: the callee sees the ref's node as caller. */
    assert_int_equal(actr_ref_call(fref, &g_peer, "test.Svc.Echo", &req, RT_WAIT_MS, &resp, &err), 0);
    actr_buf_release(&resp);
    assert_string_equal(g_caller, front_text);
    actr_node_free(front);
    actr_node_free(back);
    actr_hyper_free(h);
    rt_gate_destroy(&g_gate);
}

/* ---- a worker blocked in a synchronous call gets a spare ---- */

static rt_gate_t g_hold;

static int hold_then_call(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                          actr_error_t *err)
{
    rt_gate_wait(&g_hold, RT_WAIT_MS);
    /* The callee is queued behind us on the only worker: this call blocks the worker. */
    return actr_ctx_call(ctx, &g_peer, "test.Svc.Echo", req, RT_WAIT_MS, resp, err);
}

static void test_blocked_worker_gets_a_spare(void **state)
{
    (void)state;
    reset();
    rt_gate_init(&g_hold);
    actr_hyper_t *h = rt_hyper(1);
    static const actr_route_t a_routes[] = {{"test.A.Run", hold_then_call}};
    actr_ref_t *aref, *bref;
    actr_node_t *b = rt_node(h, "callee", svc_routes, 3, NULL, NULL, &bref);
    actr_node_t *a = rt_node(h, "caller", a_routes, 1, NULL, NULL, &aref);
    g_peer = *actr_node_id(b);
    actr_error_t err = {0};
    outcome_t out = {0};
    actr_buf_t req = rt_str("spare");
    assert_int_equal(actr_ref_call_async(aref, NULL, "test.A.Run", &req, RT_WAIT_MS, on_answer,
                                         &out, &err), 0);
    assert_true(rt_gate_wait_waiters(&g_hold, 1, RT_WAIT_MS));
    /* B becomes ready while the only worker is inside A: it waits in the run queue. */
    assert_int_equal(actr_ref_tell(bref, NULL, "test.Svc.Echo", &req, 0, &err), 0);
    rt_gate_open(&g_hold);
    assert_true(rt_wait_count(&out.done, 1, RT_WAIT_MS));
    assert_int_equal(out.status, 0);
    assert_string_equal(out.text, "spare");
    assert_int_equal(actr_hyper_worker_count(h), 2);
    actr_node_free(a);
    actr_node_free(b);
    actr_hyper_free(h);
    rt_gate_destroy(&g_hold);
    rt_gate_destroy(&g_gate);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_tell_and_errors),
        cmocka_unit_test(test_payload_is_not_copied),
        cmocka_unit_test(test_direction_checks_and_zero_timeout),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_async_calls_from_the_host),
        cmocka_unit_test(test_async_burst_while_the_loop_is_busy),
        cmocka_unit_test(test_async_deadlines_of_many_timeouts),
        cmocka_unit_test(test_actor_to_actor),
        cmocka_unit_test(test_blocked_worker_gets_a_spare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
