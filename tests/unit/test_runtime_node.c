/* test_runtime_node - node typestate (wrong-state calls fail with ACTR_ESTATE and change
 * nothing), lifecycle order and request ids (scenario 17), on_start failure aborting start,
 * local registration, in-process discovery and the hyper's options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "actr/ctx.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "rt_fixture.h"
#include "tmpdir.h"

/* ---- a workload that records its entries ---- */

typedef struct journal {
    char entries[16][48];
    int n;
    int fail_start, fail_ready, fail_stop;
    int destroyed;
} journal_t;

static void note(journal_t *j, const char *what, actr_ctx_t *ctx)
{
    if (j->n < 16)
        snprintf(j->entries[j->n++], sizeof j->entries[0], "%s %s", what,
                 actr_ctx_request_id(ctx));
}

static int on_start(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    journal_t *j = self;
    note(j, "start", ctx);
    assert_null(actr_ctx_caller_id(ctx));
    if (j->fail_start)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "fixture lifecycle on_start failed");
    return 0;
}

static int on_ready(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    journal_t *j = self;
    note(j, "ready", ctx);
    return j->fail_ready ? actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "ready failed") : 0;
}

static int on_stop(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    journal_t *j = self;
    note(j, "stop", ctx);
    return j->fail_stop ? actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "stop failed") : 0;
}

static void destroy(void *self)
{
    ((journal_t *)self)->destroyed++;
}

static int ping(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    note(self, "ping", ctx);
    return 0;
}

static const actr_workload_vtable_t hooks = {
    .on_start = on_start, .on_ready = on_ready, .on_stop = on_stop, .destroy = destroy};
static const actr_route_t routes[] = {{"test.Life.Ping", ping}};

static void test_lifecycle_order(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    journal_t j = {.fail_ready = 1, .fail_stop = 1}; /* only logged */
    actr_ref_t *ref;
    actr_node_t *n = rt_node(h, "life", routes, 1, &hooks, &j, &ref);
    assert_int_equal(actr_node_state(n), ACTR_NODE_RUNNING);
    assert_ptr_equal(actr_node_ref(n), ref);
    actr_error_t err = {0};
    actr_buf_t resp;
    assert_int_equal(actr_ref_call(ref, NULL, "test.Life.Ping", NULL, RT_WAIT_MS, &resp, &err), 0);
    actr_ref_shutdown(ref);
    assert_true(actr_ref_is_shutting_down(ref));
    assert_int_equal(actr_ref_wait(ref, RT_WAIT_MS), 0);
    assert_int_equal(actr_node_state(n), ACTR_NODE_STOPPED);
    assert_int_equal(j.n, 4);
    assert_string_equal(j.entries[0], "start lifecycle:on_start");
    assert_string_equal(j.entries[1], "ready lifecycle:on_ready");
    assert_memory_equal(j.entries[2], "ping ", 5);
    assert_int_equal(strlen(j.entries[2]), 5 + 36); /* a UUID */
    assert_string_equal(j.entries[3], "stop lifecycle:on_stop");
    /* After shutdown every send fails with ACTR_ECLOSED. */
    assert_int_equal(actr_ref_call(ref, NULL, "test.Life.Ping", NULL, 100, &resp, &err),
                     ACTR_ECLOSED);
    assert_int_equal(actr_ref_tell(ref, NULL, "test.Life.Ping", NULL, 0, &err), ACTR_ECLOSED);
    actr_node_free(n);
    assert_int_equal(j.destroyed, 1);
    actr_hyper_free(h);
}

static void test_on_start_failure_aborts_start(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    journal_t j = {.fail_start = 1};
    actr_node_t *n = rt_node_registered(h, "broken", routes, 1, &hooks, &j);
    actr_ref_t *ref = (actr_ref_t *)&j;
    actr_error_t err = {0};
    assert_int_equal(actr_node_start(n, &ref, &err), ACTR_EINVAL);
    assert_null(ref);
    assert_string_equal(err.message, "fixture lifecycle on_start failed");
    assert_int_equal(actr_node_state(n), ACTR_NODE_STOPPED);
    assert_int_equal(j.n, 1); /* no on_ready, no on_stop */
    assert_string_equal(j.entries[0], "start lifecycle:on_start");
    assert_int_equal(actr_node_start(n, &ref, &err), ACTR_ESTATE);
    /* Nobody can reach a node whose start failed. */
    actr_ref_t *other_ref;
    journal_t j2 = {0};
    actr_node_t *other = rt_node(h, "other", routes, 1, &hooks, &j2, &other_ref);
    assert_int_equal(actr_ref_tell(other_ref, actr_node_id(n), "test.Life.Ping", NULL, 0, &err),
                     ACTR_ECLOSED);
    actr_node_free(n);
    actr_node_free(other);
    assert_int_equal(j.destroyed, 1);
    actr_hyper_free(h);
}

static void test_typestate_errors(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(1);
    actr_error_t err = {0};
    actr_node_t *n;
    assert_int_equal(actr_node_new(h, NULL, &n, &err), 0);
    assert_int_equal(actr_node_state(n), ACTR_NODE_INIT);
    assert_null(actr_node_id(n));
    actr_ref_t *ref;
    /* INIT: register, register_local and start are out of order. */
    assert_int_equal(actr_node_register(n, &err), ACTR_ESTATE);
    assert_int_equal(actr_node_register_local(n, 1, 0, &err), ACTR_ESTATE);
    assert_int_equal(actr_node_start(n, &ref, &err), ACTR_ESTATE);
    assert_non_null(strstr(err.message, "registered"));
    /* attach verifies first: this hyper has no trust provider (tests/engine/test_attach.c). */
    assert_int_equal(actr_node_attach(n, "x", 1, &err), ACTR_EPERM);
    assert_int_equal(actr_node_state(n), ACTR_NODE_INIT);
    /* A workload without dispatch is refused, and still destroyed. */
    journal_t j = {0};
    static const actr_workload_vtable_t no_dispatch = {.destroy = destroy};
    actr_workload_t bad = {&no_dispatch, &j};
    assert_int_equal(actr_node_link(n, &bad, &err), ACTR_EINVAL);
    assert_int_equal(j.destroyed, 1);
    actr_workload_t wl;
    assert_int_equal(actr_workload_from_routes(routes, 1, &hooks, &j, &wl, &err), 0);
    assert_int_equal(actr_node_link(n, &wl, &err), 0);
    assert_int_equal(actr_node_state(n), ACTR_NODE_ATTACHED);
    /* ATTACHED: link again, attach and start are refused; register needs a config with AIS. */
    assert_int_equal(actr_workload_from_routes(routes, 1, NULL, NULL, &wl, &err), 0);
    assert_int_equal(actr_node_link(n, &wl, &err), ACTR_ESTATE);
    assert_int_equal(actr_node_attach(n, "x", 1, &err), ACTR_ESTATE);
    assert_int_equal(actr_node_start(n, &ref, &err), ACTR_ESTATE);
    assert_int_equal(actr_node_register(n, &err), ACTR_EINVAL); /* no config: no AIS to ask */
    assert_int_equal(actr_node_register_local(n, 1, 0, &err), ACTR_EINVAL); /* no type yet */
    actr_type_t type;
    assert_int_equal(actr_type_set(&type, "acme", "typestate", "1.0", &err), 0);
    assert_int_equal(actr_node_set_type(n, &type, &err), 0);
    assert_int_equal(actr_node_register_local(n, 7, 0x42, &err), 0);
    assert_int_equal(actr_node_state(n), ACTR_NODE_REGISTERED);
    assert_int_equal(actr_node_id(n)->realm.realm_id, 7);
    assert_int_equal(actr_node_id(n)->serial_number, 0x42);
    /* REGISTERED: set_type and register again are refused. */
    assert_int_equal(actr_node_set_type(n, &type, &err), ACTR_ESTATE);
    assert_int_equal(actr_node_register_local(n, 7, 0x43, &err), ACTR_ESTATE);
    assert_null(actr_node_ref(n));
    /* Another node cannot take the same realm + serial. */
    actr_node_t *twin;
    assert_int_equal(actr_node_new(h, NULL, &twin, &err), 0);
    assert_int_equal(actr_node_set_type(twin, &type, &err), 0);
    assert_int_equal(actr_workload_from_routes(routes, 1, NULL, NULL, &wl, &err), 0);
    assert_int_equal(actr_node_link(twin, &wl, &err), 0);
    assert_int_equal(actr_node_register_local(twin, 7, 0x42, &err), ACTR_EEXIST);
    assert_int_equal(actr_node_register_local(twin, 8, 0x42, &err), 0);
    actr_node_free(twin);
    /* A registered node that never started is freed without running any entry. */
    actr_node_free(n);
    assert_int_equal(j.n, 0);
    assert_int_equal(j.destroyed, 2);
    actr_hyper_free(h);
}

static void test_discover_and_remote_targets(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    journal_t j1 = {0}, j2 = {0};
    actr_ref_t *r1, *r2;
    actr_node_t *a = rt_node(h, "alpha", routes, 1, &hooks, &j1, &r1);
    actr_node_t *b = rt_node(h, "beta", routes, 1, &hooks, &j2, &r2);
    actr_error_t err = {0};
    actr_id_t found;
    assert_int_equal(actr_ref_discover(r1, &actr_node_id(b)->type, &found, &err), 0);
    assert_true(actr_id_equal(&found, actr_node_id(b)));
    actr_type_t nobody;
    assert_int_equal(actr_type_set(&nobody, "acme", "nobody", "1.0", &err), 0);
    /* Not in this process, and no network side to ask signaling. */
    assert_int_equal(actr_ref_discover(r1, &nobody, &found, &err), ACTR_ENOTFOUND);
    /* An id no node of this hyper has, from a node without a network side: no route. */
    actr_id_t far = *actr_node_id(b);
    far.serial_number += 1000;
    assert_int_equal(actr_ref_tell(r1, &far, "test.Life.Ping", NULL, 0, &err), ACTR_EUNAVAILABLE);
    assert_int_equal(err.wire_code, ACTR_WIRE_UNAVAILABLE);
    actr_node_free(a);
    actr_node_free(b);
    actr_hyper_free(h);
}

static void test_hyper_options_and_uid(void **state)
{
    (void)state;
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    assert_int_equal(o.batch, 32);
    assert_int_equal(o.inbox_capacity, 1024);
    actr_error_t err = {0};
    actr_hyper_t *h;
    o.batch = 0;
    assert_int_equal(actr_hyper_new(&o, &h, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "batch"));
    actr_hyper_options_init(&o);
    o.loop_queue_capacity = 100;
    assert_int_equal(actr_hyper_new(&o, &h, &err), ACTR_EINVAL);
    /* A data dir keeps the instance UID across hypers. */
    char dir[TEST_TMPDIR_SIZE];
    test_tmpdir_make(dir);
    actr_hyper_options_init(&o);
    o.data_dir = dir;
    o.workers = 1;
    h = rt_hyper_opts(&o);
    char uid[64];
    snprintf(uid, sizeof uid, "%s", actr_hyper_instance_uid(h));
    assert_int_equal(strlen(uid), 36);
    assert_string_equal(actr_hyper_data_dir(h), dir);
    assert_int_equal(actr_hyper_worker_count(h), 1);
    actr_hyper_free(h);
    h = rt_hyper_opts(&o);
    assert_string_equal(actr_hyper_instance_uid(h), uid);
    actr_hyper_free(h);
    test_tmpdir_remove(dir);
    /* Ephemeral: no data dir. */
    h = rt_hyper(1);
    assert_null(actr_hyper_data_dir(h));
    assert_int_equal(strlen(actr_hyper_instance_uid(h)), 36);
    actr_hyper_free(h);
}

static void test_hyper_free_stops_running_nodes(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    journal_t j = {0};
    rt_node(h, "leftover", routes, 1, &hooks, &j, NULL);
    actr_hyper_free(h); /* stops (on_stop runs) and frees the node */
    assert_int_equal(j.n, 3);
    assert_string_equal(j.entries[2], "stop lifecycle:on_stop");
    assert_int_equal(j.destroyed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_order),
        cmocka_unit_test(test_on_start_failure_aborts_start),
        cmocka_unit_test(test_typestate_errors),
        cmocka_unit_test(test_discover_and_remote_targets),
        cmocka_unit_test(test_hyper_options_and_uid),
        cmocka_unit_test(test_hyper_free_stops_running_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
