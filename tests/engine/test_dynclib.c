/*
 * test_dynclib.c - the native dynclib engine against real shared libraries (spec: engines.md
 * §11 scenarios 3-6 and 8 as they apply to our ABI): missing symbols, load and init failures,
 * echo and a host call from inside a handle, bridge tokens, serial entry, malformed frames and
 * replies from a hostile guest, the shutdown contract, re-initialising a still-mapped image.
 *
 * Arguments: the directory holding the guests built from tests/engine/guests/.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/abi/abi.h"
#include "engine/dynclib/dynclib.h"
#include "lifecycle/hooks.h"
#include "rt_fixture.h"

static const char *g_guest_dir;

static void guest_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s.so", g_guest_dir, name);
}

/* Loads guest `name` as a workload of type acme:<type_name>:1.0. */
static int load(const char *name, const char *type_name, actr_workload_t *wl, actr_error_t *err)
{
    char path[4096];
    guest_path(path, sizeof path, name);
    actr_type_t type;
    assert_int_equal(actr_type_set(&type, "acme", type_name, "1.0", NULL), 0);
    actr_dynclib_options_t o = {.path = path, .type = &type};
    return actr_dynclib_workload_new(&o, wl, err);
}

/* A registered node running guest `name`; *start_rc gets actr_node_start's result. */
static actr_node_t *node_of(actr_hyper_t *h, const char *name, const char *type_name,
                            actr_ref_t **ref, int *start_rc, actr_error_t *err)
{
    actr_workload_t wl;
    actr_node_t *node;
    actr_type_t type;
    assert_int_equal(load(name, type_name, &wl, err), 0);
    assert_int_equal(actr_node_new(h, NULL, &node, err), 0);
    assert_int_equal(actr_type_set(&type, "acme", type_name, "1.0", NULL), 0);
    assert_int_equal(actr_node_set_type(node, &type, err), 0);
    assert_int_equal(actr_node_link(node, &wl, err), 0);
    assert_int_equal(actr_node_register_local(node, 1, 0, err), 0);
    *start_rc = actr_node_start(node, ref, err);
    return node;
}

static actr_node_t *started(actr_hyper_t *h, const char *name, const char *type_name,
                            actr_ref_t **ref)
{
    actr_error_t err = {0};
    int rc;
    actr_node_t *node = node_of(h, name, type_name, ref, &rc, &err);
    if (rc != 0)
        fail_msg("start %s: %s", name, err.message);
    return node;
}

/* Calls route with payload; asserts success and returns the reply (owned). */
static actr_buf_t call_ok(actr_ref_t *ref, const char *route, const void *p, size_t n)
{
    actr_buf_t req = actr_buf_static(p, n), resp;
    actr_error_t err = {0};
    int rc = actr_ref_call(ref, NULL, route, &req, 5000, &resp, &err);
    if (rc != 0)
        fail_msg("%s: %s", route, err.message);
    return resp;
}

static int32_t call_i32(actr_ref_t *ref, const char *route, const void *p, size_t n)
{
    actr_buf_t r = call_ok(ref, route, p, n);
    assert_int_equal(r.len, 4);
    int32_t v = (int32_t)((uint32_t)r.data[0] | (uint32_t)r.data[1] << 8 |
                          (uint32_t)r.data[2] << 16 | (uint32_t)r.data[3] << 24);
    actr_buf_release(&r);
    return v;
}

/* ---- loading -------------------------------------------------------------------------------- */

static void test_missing_symbols(void **state)
{
    static const char *const cases[][2] = {
        {"hostile_no_init", "actr_init"},
        {"hostile_no_handle", "actr_handle"},
        {"hostile_no_free", "actr_free_response"},
        {"hostile_no_shutdown", "actr_shutdown"},
    };
    for (size_t i = 0; i < 4; i++) {
        actr_workload_t wl;
        actr_error_t err = {0};
        assert_int_equal(load(cases[i][0], "Hostile", &wl, &err), ACTR_ENOTFOUND);
        char want[64];
        snprintf(want, sizeof want, "missing symbol %s", cases[i][1]);
        assert_non_null(strstr(err.message, want));
    }
}

static void test_load_and_init_failures(void **state)
{
    actr_workload_t wl;
    actr_error_t err = {0};
    assert_int_equal(load("no_such_guest", "Hostile", &wl, &err), ACTR_EIO);
    assert_non_null(strstr(err.message, "cannot load"));
    assert_int_equal(load("hostile_init_fails", "Hostile", &wl, &err), ACTR_EINTERNAL);
    assert_non_null(strstr(err.message, "actr_init returned -2"));
    /* A file that is not a shared library at all. */
    char path[4096];
    snprintf(path, sizeof path, "%s/../CMakeCache.txt", g_guest_dir);
    actr_type_t type;
    actr_type_set(&type, "acme", "Hostile", "1.0", NULL);
    actr_dynclib_options_t o = {.path = path, .type = &type};
    assert_int_equal(actr_dynclib_workload_new(&o, &wl, &err), ACTR_EIO);
    /* Neither a path nor a package binary. */
    actr_dynclib_options_t none = {.type = &type};
    assert_int_equal(actr_dynclib_workload_new(&none, &wl, &err), ACTR_EINVAL);
}

/* ---- echo, host calls, context -------------------------------------------------------------- */

static _Atomic int g_impl_calls, g_impl_tells;

static int impl_double(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                       actr_error_t *err)
{
    g_impl_calls++;
    if (req->len != 4)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "want 4 bytes");
    uint32_t x = (uint32_t)req->data[0] | (uint32_t)req->data[1] << 8 |
                 (uint32_t)req->data[2] << 16 | (uint32_t)req->data[3] << 24;
    x *= 2;
    uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    return actr_buf_copy(b, 4, resp);
}

static int impl_count(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                      actr_error_t *err)
{
    g_impl_tells++;
    return 0;
}

static void test_echo_and_host_calls(void **state)
{
    actr_hyper_t *h = rt_hyper(2);
    static const actr_route_t impl_routes[] = {{"test.Impl.DoubleImpl", impl_double},
                                               {"test.Impl.Count", impl_count}};
    actr_node_t *impl = rt_node(h, "DoubleImpl", impl_routes, 2, NULL, NULL, NULL);
    actr_ref_t *ref;
    actr_node_t *node = started(h, "guest_test", "Guest", &ref);

    actr_buf_t r = call_ok(ref, "test.Guest.Echo", "payload \0 bytes", 15);
    assert_int_equal(r.len, 15);
    assert_memory_equal(r.data, "payload \0 bytes", 15);
    actr_buf_release(&r);

    /* 10 sequential x -> 2x, each exactly one call_raw to the impl, no state leak. */
    g_impl_calls = 0;
    for (int32_t x = 1; x <= 10; x++) {
        uint8_t b[4] = {(uint8_t)(7 * x), 0, 0, 0};
        assert_int_equal(call_i32(ref, "test.Guest.Double", b, 4), 14 * x);
        assert_int_equal(g_impl_calls, x);
    }
    /* A tell through the host reaches the impl. */
    g_impl_tells = 0;
    assert_int_equal(call_i32(ref, "test.Guest.Tell", "t", 1), 0);
    assert_true(rt_wait_count((volatile int *)&g_impl_tells, 1, RT_WAIT_MS));

    /* The invocation context: no caller for a ref call, the request's id, the type. */
    r = call_ok(ref, "test.Guest.Info", NULL, 0);
    char text[512];
    snprintf(text, sizeof text, "%.*s", (int)r.len, (const char *)r.data);
    actr_buf_release(&r);
    assert_non_null(strstr(text, "caller=0 rid="));
    assert_non_null(strstr(text, "self=acme:Guest:1.0 type=acme:Guest:1.0"));
    assert_non_null(strstr(text, "route=test.Guest.Info"));
    assert_null(strstr(text, "rid= ")); /* a request id was given */

    /* A synchronous call to itself fails at once (deadlock rule) with the host's message. */
    r = call_ok(ref, "test.Guest.CallSelf", NULL, 0);
    snprintf(text, sizeof text, "%.*s", (int)r.len, (const char *)r.data);
    actr_buf_release(&r);
    assert_true(strncmp(text, "-1 call: ", 9) == 0);
    assert_non_null(strstr(text, "deadlock"));

    /* Guest errors reach the caller as Internal with the guest's text. */
    actr_buf_t req = rt_str("xyz"), resp;
    actr_error_t err = {0};
    assert_int_equal(actr_ref_call(ref, NULL, "test.Guest.Fail", &req, 5000, &resp, &err),
                     ACTR_EINTERNAL);
    assert_non_null(strstr(err.message, "boom: xyz"));
    assert_int_equal(err.wire_code, ACTR_WIRE_INTERNAL);
    assert_int_equal(actr_ref_call(ref, NULL, "test.Guest.Nope", &req, 5000, &resp, &err),
                     ACTR_EINTERNAL);
    assert_non_null(strstr(err.message, "UnknownRoute"));

    /* Streams through the SDK: the guest registers "s" and sends 3 chunks to itself; they run
     * after that entry, in order, with payload and metadata; registering from inside a chunk is
     * UNSUPPORTED_OP (-7), as in the reference. */
    assert_int_equal(call_i32(ref, "test.Guest.Stream", NULL, 0), 0);
    const char *want = "0:c0:k=v,reg_in_chunk=-7,self_sender=1,1:c1:k=v,2:c2:k=v";
    bool seen = false;
    for (int i = 0; i < 1000 && !seen; i++) {
        r = call_ok(ref, "test.Guest.StreamLog", NULL, 0);
        seen = r.len == strlen(want) && memcmp(r.data, want, r.len) == 0;
        if (!seen && i == 999)
            fail_msg("stream log: %.*s", (int)r.len, (const char *)r.data);
        actr_buf_release(&r);
        if (!seen)
            rt_sleep_ms(5);
    }

    actr_node_free(node);
    actr_node_free(impl);
    actr_hyper_free(h);
}

/* ---- bridge tokens -------------------------------------------------------------------------- */

static void test_bridge_tokens(void **state)
{
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *node = started(h, "guest_test", "Guest", &ref);
    size_t base = actr_abi_token_count();

    actr_buf_t r = call_ok(ref, "test.Guest.Echo", "x", 1);
    actr_buf_release(&r);
    assert_int_equal(actr_abi_token_count(), base); /* the dispatch's own token is gone */

    assert_int_equal(call_i32(ref, "test.Guest.Keep", NULL, 0), ACTR_ABI_SUCCESS);
    assert_int_equal(actr_abi_token_count(), base + 1); /* retained by the guest */
    /* Used after its entry returned: GENERIC_ERROR; then released: the count is back. */
    assert_int_equal(call_i32(ref, "test.Guest.UseKept", NULL, 0), ACTR_ABI_GENERIC_ERROR);
    assert_int_equal(actr_abi_token_count(), base);
    assert_int_equal(call_i32(ref, "test.Guest.UnknownToken", NULL, 0), ACTR_ABI_GENERIC_ERROR);
    assert_int_equal(actr_abi_token_count(), base);

    actr_node_free(node);
    actr_hyper_free(h);
}

/* ---- serial entry --------------------------------------------------------------------------- */

typedef struct serial_arg {
    actr_ref_t *ref;
    int32_t max_seen;
    int failures;
} serial_arg_t;

static void *serial_caller(void *p)
{
    serial_arg_t *a = p;
    for (int i = 0; i < 5; i++) {
        actr_buf_t req = {0}, resp;
        actr_error_t err = {0};
        if (actr_ref_call(a->ref, NULL, "test.Guest.Serial", &req, 5000, &resp, &err) != 0 ||
            resp.len != 4) {
            a->failures++;
        } else {
            if (resp.data[0] > a->max_seen)
                a->max_seen = resp.data[0];
        }
        actr_buf_release(&resp);
    }
    return NULL;
}

static void test_serial_entry(void **state)
{
    actr_hyper_t *h = rt_hyper(4);
    actr_ref_t *ref;
    actr_node_t *node = started(h, "guest_test", "Guest", &ref);
    serial_arg_t args[3] = {{ref, 0, 0}, {ref, 0, 0}, {ref, 0, 0}};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, serial_caller, &args[i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(args[i].failures, 0);
        assert_int_equal(args[i].max_seen, 1); /* never two entries inside the guest */
    }
    actr_node_free(node);
    actr_hyper_free(h);
}

/* ---- hostile guest -------------------------------------------------------------------------- */

static void expect_call_error(actr_ref_t *ref, const char *route, const char *fragment)
{
    actr_buf_t req = {0}, resp;
    actr_error_t err = {0};
    assert_int_not_equal(actr_ref_call(ref, NULL, route, &req, 5000, &resp, &err), 0);
    if (!strstr(err.message, fragment))
        fail_msg("%s: '%s' lacks '%s'", route, err.message, fragment);
}

static void test_hostile_guest(void **state)
{
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *node = started(h, "hostile", "Hostile", &ref);
    expect_call_error(ref, "h.H.Garbage", "malformed AbiReply");
    expect_call_error(ref, "h.H.Code", "actr_handle returned error code -3");
    expect_call_error(ref, "h.H.NullBuf", "malformed AbiReply");

    /* Malformed frames to invoke: (return code, reply status or 100 = no reply) pairs. */
    actr_buf_t r = call_ok(ref, "h.H.Probe", NULL, 0);
    static const int8_t want[] = {
        ACTR_ABI_PROTOCOL_ERROR, 100,                    /* garbage frame */
        ACTR_ABI_PROTOCOL_ERROR, 100,                    /* NULL out-pointers */
        ACTR_ABI_PROTOCOL_ERROR, 100,                    /* abi_version 2 */
        ACTR_ABI_UNSUPPORTED_OP, 100,                    /* op 99 */
        ACTR_ABI_SUCCESS, ACTR_ABI_GENERIC_ERROR,        /* unknown token 0 */
        ACTR_ABI_SUCCESS, ACTR_ABI_PROTOCOL_ERROR,       /* discover without target_type */
        ACTR_ABI_PROTOCOL_ERROR, 100,                    /* undecodable op message */
        ACTR_ABI_GENERIC_ERROR,                          /* retain_context(0) */
    };
    assert_int_equal(r.len, sizeof want);
    for (size_t i = 0; i < sizeof want; i++)
        if ((int8_t)r.data[i] != want[i])
            fail_msg("probe byte %zu: %d, want %d", i, (int8_t)r.data[i], want[i]);
    actr_buf_release(&r);
    /* The instance survives all of it. */
    r = call_ok(ref, "h.H.Fine", NULL, 0);
    actr_buf_release(&r);
    actr_node_free(node);
    actr_hyper_free(h);
}

/* ---- lifecycle, hooks, shutdown, re-init ---------------------------------------------------- */

static void test_lifecycle_and_hooks(void **state)
{
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_error_t err = {0};
    int rc;
    actr_node_t *node = node_of(h, "guest_test", "FailStart", &ref, &rc, &err);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(err.message, "fixture lifecycle on_start failed"));
    actr_node_free(node);

    node = started(h, "guest_test", "Guest", &ref);
    actr_hook_event_t ev = {.kind = ACTR_HOOK_MAILBOX_BACKPRESSURE, .queue_len = 7,
                            .threshold = 3};
    assert_int_equal(actr_hooks_emit(node, &ev), 0);
    actr_hook_event_t on_error = {.kind = ACTR_HOOK_ERROR};
    assert_int_equal(actr_hooks_emit(node, &on_error), 0); /* not forwarded to packages */
    char text[512] = "";
    for (int i = 0; i < RT_WAIT_MS && !strstr(text, "hook:"); i += 10) {
        actr_buf_t r = call_ok(ref, "test.Guest.Journal", NULL, 0);
        snprintf(text, sizeof text, "%.*s", (int)r.len, (const char *)r.data);
        actr_buf_release(&r);
        if (!strstr(text, "hook:"))
            rt_sleep_ms(10);
    }
    assert_string_equal(text, "lifecycle:on_start,lifecycle:on_ready,"
                              "hook:on_mailbox_backpressure:12:7:3");
    actr_node_free(node);
    actr_hyper_free(h);
}

/* Whether the guest library is still mapped in this process. */
static bool mapped(const char *name)
{
    char path[4096];
    guest_path(path, sizeof path, name);
    void *hd = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (hd)
        dlclose(hd);
    return hd != NULL;
}

static void test_shutdown_contract(void **state)
{
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *node = started(h, "guest_test", "Guest", &ref);
    assert_true(mapped("guest_test"));
    actr_node_free(node);
    assert_false(mapped("guest_test")); /* a clean shutdown unloads */

    node = started(h, "guest_shutdown_fail", "Guest", &ref);
    actr_ref_shutdown(ref);
    assert_int_equal(actr_ref_wait(ref, RT_WAIT_MS), 0);
    actr_node_free(node);
    assert_true(mapped("guest_shutdown_fail")); /* failed shutdown: stays loaded for good */

    /* Never started: destroying the workload still runs actr_shutdown. */
    actr_workload_t wl;
    actr_error_t err = {0};
    assert_int_equal(load("guest_test", "Guest", &wl, &err), 0);
    actr_workload_destroy(&wl);
    assert_false(mapped("guest_test"));
    actr_hyper_free(h);
}

static void test_reinit_same_image(void **state)
{
    char path[4096];
    guest_path(path, sizeof path, "guest_test");
    void *keep = dlopen(path, RTLD_NOW | RTLD_LOCAL); /* holds the image mapped */
    assert_non_null(keep);
    int *count = dlsym(keep, "guest_init_count");
    assert_non_null(count);
    int before = *count;

    actr_workload_t a, b;
    actr_error_t err = {0};
    assert_int_equal(load("guest_test", "Guest", &a, &err), 0);
    /* One actor per image: a second init while the first is live fails in the guest. */
    assert_int_equal(load("guest_test", "Guest", &b, &err), ACTR_EINTERNAL);
    assert_non_null(strstr(err.message, "actr_init returned -2"));
    actr_workload_destroy(&a); /* successful actr_shutdown resets the guest */
    assert_int_equal(load("guest_test", "Guest", &b, &err), 0);
    assert_int_equal(*count, before + 2);
    actr_workload_destroy(&b);
    dlclose(keep);
}

int main(int argc, char **argv)
{
    g_guest_dir = argc > 1 ? argv[1] : "guests";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_symbols),
        cmocka_unit_test(test_load_and_init_failures),
        cmocka_unit_test(test_echo_and_host_calls),
        cmocka_unit_test(test_bridge_tokens),
        cmocka_unit_test(test_serial_entry),
        cmocka_unit_test(test_hostile_guest),
        cmocka_unit_test(test_lifecycle_and_hooks),
        cmocka_unit_test(test_shutdown_contract),
        cmocka_unit_test(test_reinit_same_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
