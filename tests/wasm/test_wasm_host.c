/*
 * test_wasm_host.c - the WASM actor host (src/engine/wasm/workload.c, host_abi.c, wasi.c) end
 * to end: guests from tests/wasm/guests/abi_guest.c (built with clang --target=wasm32-wasi)
 * run as nodes of an in-process hyper and are called with actr_ref_call.
 *
 * Covers: echo; guest state survives calls and is lost after a trap (fresh instance); an
 * infinite loop ends by fuel or by the deadline; a memory bomb stays under the cap; deep
 * recursion is stack exhaustion; proc_exit; stdout and the log import reach the actor's log;
 * business errors keep the instance; host calls (discover + call_raw) through the bridge token;
 * unknown tokens and bad pointers; bad exports, bad imports and failing init are refused at
 * load with clear errors.
 *
 *   test_wasm_host GUEST_DIR    (the folder holding abi_guest*.wasm)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "actr/log.h"
#include "engine/wasm/module_cache.h"
#include "engine/wasm/workload.h"
#include "rt_fixture.h"

static const char *guest_dir = ".";

static uint8_t *load_guest(const char *variant, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/abi_guest%s.wasm", guest_dir, variant);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    assert_true(*len > 8 && *len < (1 << 20));
    return buf;
}

/* ---- log capture (stdout of the guest and its log import) ------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_seen[8192];

static void capture(const actr_log_record_t *rec, void *user)
{
    (void)user;
    if (strcmp(rec->module, "wasm") != 0)
        return;
    pthread_mutex_lock(&log_lock);
    size_t used = strlen(log_seen);
    snprintf(log_seen + used, sizeof log_seen - used, "%s|%s\n",
             actr_log_level_name(rec->level), rec->msg);
    pthread_mutex_unlock(&log_lock);
}

static bool log_contains(const char *text)
{
    pthread_mutex_lock(&log_lock);
    bool found = strstr(log_seen, text) != NULL;
    pthread_mutex_unlock(&log_lock);
    return found;
}

/* ---- nodes ------------------------------------------------------------------------------- */

static actr_node_t *start(actr_hyper_t *h, const char *name, actr_workload_t *wl,
                          actr_ref_t **ref)
{
    actr_error_t err = {0};
    actr_type_t type;
    actr_node_t *node = NULL;
    assert_int_equal(actr_type_set(&type, "acme", name, "1.0.0", &err), 0);
    assert_int_equal(actr_node_new(h, NULL, &node, &err), 0);
    assert_int_equal(actr_node_set_type(node, &type, &err), 0);
    assert_int_equal(actr_node_link(node, wl, &err), 0);
    assert_int_equal(actr_node_register_local(node, 1, 0, &err), 0);
    if (actr_node_start(node, ref, &err) != 0)
        fail_msg("start %s: %s", name, err.message);
    return node;
}

/* A WASM guest node with the given limits (NULL: defaults). */
static actr_node_t *start_guest(actr_hyper_t *h, const actr_wasm_limits_t *limits,
                                actr_ref_t **ref)
{
    size_t len;
    uint8_t *bytes = load_guest("", &len);
    actr_type_t type;
    actr_type_set(&type, "acme", "WasmGuest", "1.0.0", NULL);
    actr_workload_t wl;
    actr_error_t err = {0};
    if (actr_wasm_workload_new_typed(bytes, len, limits, &type, &wl, &err) != 0)
        fail_msg("wasm workload: %s", err.message);
    free(bytes);
    return start(h, "WasmGuest", &wl, ref);
}

/* Calls a route; returns the call's result, the reply in *resp (caller releases). */
static int call(actr_ref_t *ref, const char *route, const void *data, size_t len,
                actr_buf_t *resp, actr_error_t *err)
{
    actr_buf_t req = actr_buf_static(data, len);
    memset(err, 0, sizeof *err);
    *resp = (actr_buf_t){0};
    return actr_ref_call(ref, NULL, route, &req, RT_WAIT_MS, resp, err);
}

static uint32_t call_u32(actr_ref_t *ref, const char *route)
{
    actr_buf_t resp;
    actr_error_t err;
    if (call(ref, route, "", 0, &resp, &err) != 0)
        fail_msg("%s: %s", route, err.message);
    assert_int_equal(resp.len, 4);
    uint32_t v = (uint32_t)resp.data[0] | (uint32_t)resp.data[1] << 8 |
                 (uint32_t)resp.data[2] << 16 | (uint32_t)resp.data[3] << 24;
    actr_buf_release(&resp);
    return v;
}

/* The call must fail with a message containing `needle`. */
static void call_fails(actr_ref_t *ref, const char *route, const char *needle)
{
    actr_buf_t resp;
    actr_error_t err;
    int rc = call(ref, route, "", 0, &resp, &err);
    actr_buf_release(&resp);
    if (rc == 0)
        fail_msg("%s succeeded, expected an error with '%s'", route, needle);
    if (!strstr(err.message, needle))
        fail_msg("%s: '%s' does not contain '%s'", route, err.message, needle);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_echo_state_and_trap(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = start_guest(h, NULL, &ref);
    actr_buf_t resp;
    actr_error_t err;
    assert_int_equal(call(ref, "test.Guest.Echo", "hello wasm", 10, &resp, &err), 0);
    assert_int_equal(resp.len, 10);
    assert_memory_equal(resp.data, "hello wasm", 10);
    actr_buf_release(&resp);
    assert_int_equal(call(ref, "test.Guest.Type", "", 0, &resp, &err), 0);
    assert_int_equal(resp.len, strlen("acme:WasmGuest:1.0.0"));
    assert_memory_equal(resp.data, "acme:WasmGuest:1.0.0", resp.len);
    actr_buf_release(&resp);

    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1);
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 2);
    call_fails(ref, "test.Guest.Trap", "trap");
    /* A fresh instance: the guest's counter starts again. */
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1);
    actr_node_free(n);
    actr_hyper_free(h);
}

static void test_business_errors_keep_instance(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = start_guest(h, NULL, &ref);
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1);
    call_fails(ref, "test.Guest.Fail", "guest says no");
    call_fails(ref, "test.Guest.BadStatus", "actr_handle returned -3");
    call_fails(ref, "test.Guest.BadReply", "outside its memory");
    call_fails(ref, "test.Guest.NoSuchRoute", "unknown route");
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 2); /* same instance */
    actr_node_free(n);
    actr_hyper_free(h);
}

static void test_runaway_fuel_and_timeout(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    actr_wasm_limits_t limits;
    actr_wasm_limits_default(&limits);
    limits.fuel_per_invocation = 50000; /* scenario 10 */
    actr_ref_t *ref;
    actr_node_t *n = start_guest(h, &limits, &ref);
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1);
    call_fails(ref, "test.Guest.Loop", "fuel");
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1);
    actr_node_free(n);

    /* Plenty of fuel: the wall-clock deadline ends the loop. */
    limits.fuel_per_invocation = UINT64_MAX / 4;
    limits.invocation_timeout_ms = 200;
    n = start_guest(h, &limits, &ref);
    call_fails(ref, "test.Guest.Loop", "timed out");
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1);
    actr_node_free(n);
    actr_hyper_free(h);
}

static void test_memory_bomb_and_recursion(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    actr_wasm_limits_t limits;
    actr_wasm_limits_default(&limits);
    limits.max_linear_memory = 4u << 20;
    limits.max_table_elements = 1024;
    actr_ref_t *ref;
    actr_node_t *n = start_guest(h, &limits, &ref);
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1);
    /* The guest grows memory until refused: either memory.grow says -1 (it answers how many
     * pages it got, which must fit the cap) or the engine stops it with the cap error. */
    actr_buf_t resp;
    actr_error_t err;
    if (call(ref, "test.Guest.Bomb", "", 0, &resp, &err) == 0) {
        assert_int_equal(resp.len, 4);
        uint32_t pages = (uint32_t)resp.data[0] | (uint32_t)resp.data[1] << 8 |
                         (uint32_t)resp.data[2] << 16;
        assert_true(pages > 0);
        assert_true((uint64_t)pages * 65536 <= limits.max_linear_memory);
        actr_buf_release(&resp);
    } else {
        assert_non_null(strstr(err.message, "memory cap"));
    }
    assert_true(call_u32(ref, "test.Guest.Count") >= 1);

    call_fails(ref, "test.Guest.Recurse", "call stack");
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1);
    actr_node_free(n);
    actr_hyper_free(h);
}

static void test_wasi_exit_and_output(void **state)
{
    (void)state;
    log_seen[0] = 0;
    actr_log_set_sink(capture, NULL);
    actr_log_level_t old = actr_log_get_level();
    actr_log_set_level(ACTR_LOG_INFO);
    actr_hyper_t *h = rt_hyper(2);
    actr_ref_t *ref;
    actr_node_t *n = start_guest(h, NULL, &ref);
    assert_true(log_contains("info|abi_guest initialised")); /* the log import, level 2 */
    actr_buf_t resp;
    actr_error_t err;
    assert_int_equal(call(ref, "test.Guest.Print", "", 0, &resp, &err), 0);
    actr_buf_release(&resp);
    assert_true(log_contains("info|hello from wasm 42")); /* fd_write to stdout */

    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1);
    call_fails(ref, "test.Guest.Exit", "proc_exit(3)");
    assert_int_equal(call_u32(ref, "test.Guest.Count"), 1); /* the exit ended the instance */
    actr_node_free(n);
    actr_hyper_free(h);
    actr_log_set_sink(NULL, NULL);
    actr_log_set_level(old);
}

static int doubler(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                   actr_error_t *err)
{
    (void)self, (void)ctx;
    if (req->len != 4)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "want 4 bytes");
    uint32_t x = (uint32_t)req->data[0] | (uint32_t)req->data[1] << 8 |
                 (uint32_t)req->data[2] << 16 | (uint32_t)req->data[3] << 24;
    x *= 2;
    uint8_t out[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    return actr_buf_copy(out, 4, resp);
}

static void test_host_calls(void **state)
{
    (void)state;
    actr_hyper_t *h = rt_hyper(2);
    static const actr_route_t routes[] = {{"test.Doubler.Double", doubler}};
    actr_workload_t dwl;
    actr_error_t err = {0};
    assert_int_equal(actr_workload_from_routes(routes, 1, NULL, NULL, &dwl, &err), 0);
    actr_ref_t *dref, *ref;
    actr_node_t *dn = start(h, "Doubler", &dwl, &dref);
    actr_node_t *n = start_guest(h, NULL, &ref);

    /* Guest: discover acme:Doubler:1.0.0, call_raw test.Doubler.Double with our payload. */
    for (uint32_t x = 1; x <= 10; x++) {
        uint8_t in[4] = {(uint8_t)x, 0, 0, 0};
        actr_buf_t resp;
        assert_int_equal(call(ref, "test.Guest.Double", in, 4, &resp, &err), 0);
        assert_int_equal(resp.len, 4);
        assert_int_equal(resp.data[0], 2 * x);
        actr_buf_release(&resp);
    }
    assert_int_equal((int32_t)call_u32(ref, "test.Guest.BadToken"), -1);  /* GENERIC_ERROR */
    assert_int_equal((int32_t)call_u32(ref, "test.Guest.BadPointer"), -5); /* PROTOCOL_ERROR */
    assert_int_equal((int32_t)call_u32(ref, "test.Guest.Retain"), 0);
    actr_node_free(n);
    actr_node_free(dn);
    actr_hyper_free(h);
}

/* A variant must be refused at load with `code` and a message containing `needle`. */
static void refused(const char *variant, const actr_wasm_limits_t *limits, int code,
                    const char *needle)
{
    size_t len;
    uint8_t *bytes = load_guest(variant, &len);
    actr_workload_t wl;
    actr_error_t err = {0};
    int rc = actr_wasm_workload_new(bytes, len, limits, &wl, &err);
    free(bytes);
    if (rc == 0) {
        actr_workload_destroy(&wl);
        fail_msg("variant '%s' loaded", variant);
    }
    assert_int_equal(rc, code);
    if (!strstr(err.message, needle))
        fail_msg("'%s' does not contain '%s'", err.message, needle);
}

static void test_refused_guests(void **state)
{
    (void)state;
    refused("-nohandle", NULL, ACTR_EINVAL, "actr_handle");
    refused("-badhandle", NULL, ACTR_EINVAL, "actr_handle must be a function");
    refused("-badimport", NULL, ACTR_EINVAL, "actr.no_such_function");
    refused("-initfails", NULL, ACTR_EINTERNAL, "actr_init returned -2");
    actr_wasm_limits_t small;
    actr_wasm_limits_default(&small);
    small.max_component_bytes = 16;
    refused("", &small, ACTR_ETOOBIG, "exceeds");

    static const uint8_t junk[] = {0, 'a', 's', 'm', 2, 0, 0, 0};
    actr_workload_t wl;
    actr_error_t err = {0};
    assert_int_equal(actr_wasm_workload_new(junk, sizeof junk, NULL, &wl, &err), ACTR_EPARSE);
    assert_non_null(strstr(err.message, "malformed"));
}

/* Actors of one module share its decoded code; each keeps its own instance state. */
static void test_module_shared(void **state)
{
    (void)state;
    size_t len, other_len;
    uint8_t *bytes = load_guest("", &len);
    uint8_t *other = load_guest("-initfails", &other_len);
    actr_workload_t wl[3];
    actr_error_t err = {0};
    assert_int_equal(actr_wasm_module_cache_size(), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(actr_wasm_workload_new(bytes, len, NULL, &wl[i], &err), 0);
    assert_int_equal(actr_wasm_module_cache_size(), 1);
    actr_workload_t bad;
    assert_int_equal(actr_wasm_workload_new(other, other_len, NULL, &bad, &err), ACTR_EINTERNAL);
    assert_int_equal(actr_wasm_module_cache_size(), 1); /* the refused one is released */
    actr_workload_destroy(&wl[1]);
    assert_int_equal(actr_wasm_module_cache_size(), 1);
    actr_workload_destroy(&wl[0]);
    actr_workload_destroy(&wl[2]);
    assert_int_equal(actr_wasm_module_cache_size(), 0);
    free(bytes);
    free(other);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_state_and_trap),
        cmocka_unit_test(test_business_errors_keep_instance),
        cmocka_unit_test(test_runaway_fuel_and_timeout),
        cmocka_unit_test(test_memory_bomb_and_recursion),
        cmocka_unit_test(test_wasi_exit_and_output),
        cmocka_unit_test(test_host_calls),
        cmocka_unit_test(test_refused_guests),
        cmocka_unit_test(test_module_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
