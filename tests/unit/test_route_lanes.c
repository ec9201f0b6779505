/* test_route_lanes - the lane declarations of outgoing methods (issue 5; node.h
 * actr_node_set_route_lanes; spec: runtime.md §1.2, §5.1): only the two RPC lanes are accepted,
 * duplicates are refused, an error changes nothing, n 0 clears, only before start. And calls
 * and tells on a route declared RPC_SIGNAL simply work in-process (the reference's time out:
 * runtime.md §4.2, docs/DIFFERENCES.md), from a ref and from a handler. Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rt_fixture.h"

#define ECHO "test.Lanes.Echo"
#define NOTE "test.Lanes.Note"
#define RELAY "test.Lanes.Relay"

static volatile int g_notes;
static actr_id_t g_callee; /* where Relay sends */

static int echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    (void)self, (void)ctx, (void)err;
    *resp = actr_buf_ref(req);
    return 0;
}

static int note(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    (void)self, (void)ctx, (void)req, (void)resp, (void)err;
    __atomic_add_fetch(&g_notes, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* A handler's own call on the SIGNAL-declared route (the ctx path). */
static int relay(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                 actr_error_t *err)
{
    (void)self;
    return actr_ctx_call(ctx, &g_callee, ECHO, req, RT_WAIT_MS, resp, err);
}

static const actr_route_t routes[] = {{ECHO, echo}, {NOTE, note}, {RELAY, relay}};
#define NROUTES (sizeof routes / sizeof routes[0])

static void test_declarations(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(1);
    actr_node_t *n = rt_node_registered(h, "decl", routes, NROUTES, NULL, NULL);
    actr_error_t err = {0};
    assert_int_equal(actr_node_route_lane(n, ECHO), ACTR_LANE_RPC_RELIABLE);

    const actr_lane_decl_t good[] = {{ECHO, ACTR_LANE_RPC_SIGNAL}, {NOTE, ACTR_LANE_RPC_RELIABLE}};
    assert_int_equal(actr_node_set_route_lanes(n, good, 2, &err), 0);
    assert_int_equal(actr_node_route_lane(n, ECHO), ACTR_LANE_RPC_SIGNAL);
    assert_int_equal(actr_node_route_lane(n, NOTE), ACTR_LANE_RPC_RELIABLE);
    assert_int_equal(actr_node_route_lane(n, "test.Lanes.Other"), ACTR_LANE_RPC_RELIABLE);
    assert_int_equal(actr_node_route_lane(n, NULL), ACTR_LANE_RPC_RELIABLE);
    assert_int_equal(actr_node_route_lane(NULL, ECHO), ACTR_LANE_RPC_RELIABLE);

    /* A stream lane is not a lane for calls: refused, naming the entry; nothing changes. */
    const actr_lane_decl_t stream[] = {{NOTE, ACTR_LANE_RPC_SIGNAL},
                                       {RELAY, ACTR_LANE_STREAM_RELIABLE}};
    assert_int_equal(actr_node_set_route_lanes(n, stream, 2, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "route lane 1"));
    assert_non_null(strstr(err.message, RELAY));
    assert_non_null(strstr(err.message, "STREAM_RELIABLE"));
    assert_int_equal(actr_node_route_lane(n, ECHO), ACTR_LANE_RPC_SIGNAL);
    assert_int_equal(actr_node_route_lane(n, NOTE), ACTR_LANE_RPC_RELIABLE);
    const actr_lane_decl_t media = {ECHO, ACTR_LANE_MEDIA_RTP};
    assert_int_equal(actr_node_set_route_lanes(n, &media, 1, &err), ACTR_EINVAL);
    const actr_lane_decl_t unknown = {ECHO, (actr_lane_t)7};
    assert_int_equal(actr_node_set_route_lanes(n, &unknown, 1, &err), ACTR_EINVAL);
    const actr_lane_decl_t negative = {ECHO, (actr_lane_t)-1};
    assert_int_equal(actr_node_set_route_lanes(n, &negative, 1, &err), ACTR_EINVAL);

    /* Route keys: required, not empty, not longer than a route key can be. */
    const actr_lane_decl_t nokey = {NULL, ACTR_LANE_RPC_SIGNAL};
    assert_int_equal(actr_node_set_route_lanes(n, &nokey, 1, &err), ACTR_EINVAL);
    const actr_lane_decl_t empty = {"", ACTR_LANE_RPC_SIGNAL};
    assert_int_equal(actr_node_set_route_lanes(n, &empty, 1, &err), ACTR_EINVAL);
    char longkey[ACTR_ROUTE_KEY_STR_SIZE + 1];
    memset(longkey, 'a', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    const actr_lane_decl_t toolong = {longkey, ACTR_LANE_RPC_SIGNAL};
    assert_int_equal(actr_node_set_route_lanes(n, &toolong, 1, &err), ACTR_EINVAL);
    assert_int_equal(actr_node_set_route_lanes(n, NULL, 1, &err), ACTR_EINVAL);
    assert_int_equal(actr_node_set_route_lanes(NULL, good, 2, &err), ACTR_EINVAL);

    /* A route key declared twice, even on the same lane: the reference's DuplicateRoute. */
    const actr_lane_decl_t dup[] = {{NOTE, ACTR_LANE_RPC_SIGNAL}, {NOTE, ACTR_LANE_RPC_SIGNAL}};
    assert_int_equal(actr_node_set_route_lanes(n, dup, 2, &err), ACTR_EEXIST);
    assert_non_null(strstr(err.message, NOTE));
    const actr_lane_decl_t dup2[] = {{NOTE, ACTR_LANE_RPC_RELIABLE}, {NOTE, ACTR_LANE_RPC_SIGNAL}};
    assert_int_equal(actr_node_set_route_lanes(n, dup2, 2, &err), ACTR_EEXIST);
    assert_int_equal(actr_node_route_lane(n, ECHO), ACTR_LANE_RPC_SIGNAL);
    assert_int_equal(actr_node_route_lane(n, NOTE), ACTR_LANE_RPC_RELIABLE);

    /* Replaces: only the new declarations count; n 0 clears. */
    const actr_lane_decl_t other = {NOTE, ACTR_LANE_RPC_SIGNAL};
    assert_int_equal(actr_node_set_route_lanes(n, &other, 1, &err), 0);
    assert_int_equal(actr_node_route_lane(n, ECHO), ACTR_LANE_RPC_RELIABLE);
    assert_int_equal(actr_node_route_lane(n, NOTE), ACTR_LANE_RPC_SIGNAL);
    assert_int_equal(actr_node_set_route_lanes(n, NULL, 0, &err), 0);
    assert_int_equal(actr_node_route_lane(n, NOTE), ACTR_LANE_RPC_RELIABLE);

    /* Before start only (and a declaration made then is kept). */
    assert_int_equal(actr_node_set_route_lanes(n, good, 2, &err), 0);
    actr_ref_t *ref;
    assert_int_equal(actr_node_start(n, &ref, &err), 0);
    assert_int_equal(actr_node_set_route_lanes(n, &other, 1, &err), ACTR_ESTATE);
    assert_int_equal(actr_node_set_route_lanes(n, NULL, 0, &err), ACTR_ESTATE);
    assert_int_equal(actr_node_route_lane(n, ECHO), ACTR_LANE_RPC_SIGNAL);
    actr_node_free(n);
    actr_hyper_free(h);
}

/* Calls and tells on a SIGNAL-declared route between two nodes of one hyper. */
static void test_in_process_signal(void **state)
{
    (void)state;
    g_notes = 0;
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *callee_ref, *caller_ref;
    actr_node_t *callee = rt_node(h, "callee", routes, NROUTES, NULL, NULL, &callee_ref);
    g_callee = *actr_node_id(callee);
    actr_node_t *caller = rt_node_registered(h, "caller", routes, NROUTES, NULL, NULL);
    const actr_lane_decl_t lanes[] = {{ECHO, ACTR_LANE_RPC_SIGNAL}, {NOTE, ACTR_LANE_RPC_SIGNAL}};
    actr_error_t err = {0};
    assert_int_equal(actr_node_set_route_lanes(caller, lanes, 2, &err), 0);
    assert_int_equal(actr_node_start(caller, &caller_ref, &err), 0);

    actr_buf_t req = rt_str("urgent"), resp = ACTR_BUF_INIT;
    assert_int_equal(actr_ref_call(caller_ref, &g_callee, ECHO, &req, RT_WAIT_MS, &resp, &err),
                     0);
    assert_int_equal(resp.len, 6);
    assert_memory_equal(resp.data, "urgent", 6);
    actr_buf_release(&resp);

    /* From a handler of the caller (actr_ctx_call). */
    assert_int_equal(actr_ref_call(caller_ref, NULL, RELAY, &req, RT_WAIT_MS, &resp, &err), 0);
    assert_int_equal(resp.len, 6);
    assert_memory_equal(resp.data, "urgent", 6);
    actr_buf_release(&resp);

    assert_int_equal(actr_ref_tell(caller_ref, &g_callee, NOTE, &req, RT_WAIT_MS, &err), 0);
    assert_true(rt_wait_count(&g_notes, 1, RT_WAIT_MS));

    actr_node_free(caller);
    actr_node_free(callee);
    actr_hyper_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declarations),
        cmocka_unit_test(test_in_process_signal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
