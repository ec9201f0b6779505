/*
 * The WebAssembly engine's sandbox limits and the behaviour the spec suite does not pin: fuel,
 * wall-clock deadline, per-store and process memory caps, call depth and operand stack
 * exhaustion (detected before the C stack is at risk), a store staying usable after each of
 * them, re-entrant host calls into the same store, and 1,000 idle instances.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "engine/wasm/wasm.h"

/*
 * (module
 *   (import "env" "cb" (func $cb (param i32) (result i32)))
 *   (memory (export "memory") 1)
 *   (func (export "spin") (loop $l (br $l)))
 *   (func $rec (export "rec") (param i32) (result i32)
 *     (call $rec (i32.add (local.get 0) (i32.const 1))))
 *   (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
 *   (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
 *   (func (export "sum") (param i32) (result i32) (local i32)
 *     (block (loop $l
 *       (br_if 1 (i32.eqz (local.get 0)))
 *       (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
 *       (local.set 1 (i32.add (local.get 1) (local.get 0)))
 *       (br $l)))
 *     (local.get 1))
 *   (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
 *   (func (export "outer") (param i32) (result i32)
 *     (i32.add (call $cb (local.get 0)) (i32.const 1))))
 */
static const uint8_t limits_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x02, 0x0a, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x02, 0x63, 0x62, 0x00,
    0x00, 0x03, 0x08, 0x07, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05,
    0x03, 0x01, 0x00, 0x01, 0x07, 0x3b, 0x08, 0x06, 0x6d, 0x65, 0x6d, 0x6f,
    0x72, 0x79, 0x02, 0x00, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x01, 0x03,
    0x72, 0x65, 0x63, 0x00, 0x02, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x03,
    0x03, 0x64, 0x69, 0x76, 0x00, 0x04, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x05,
    0x06, 0x64, 0x6f, 0x75, 0x62, 0x6c, 0x65, 0x00, 0x06, 0x05, 0x6f, 0x75,
    0x74, 0x65, 0x72, 0x00, 0x07, 0x0a, 0x56, 0x07, 0x07, 0x00, 0x03, 0x40,
    0x0c, 0x00, 0x0b, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x10,
    0x02, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x07, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x6d, 0x0b, 0x21, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03,
    0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21,
    0x00, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b,
    0x20, 0x01, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x02, 0x6c, 0x0b, 0x09,
    0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b,
};

/*
 * (module (memory (export "memory") 1) (func (export "get") (result i32) (i32.load (i32.const 0))))
 */
static const uint8_t idle_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
    0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0x10, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
    0x03, 0x67, 0x65, 0x74, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x41,
    0x00, 0x28, 0x02, 0x00, 0x0b,
};

typedef struct fixture {
    wasm_module_t *module;
    wasm_store_t *store;
    wasm_instance_t *inst;
    wasm_extern_t cb;
    int cb_calls;
} fixture_t;

/* env.cb(x): calls back into the guest's "double" on the same store and returns its result. */
static wasm_result_t host_cb(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                             wasm_value_t *results, wasm_error_t *err)
{
    fixture_t *fx = env;
    fx->cb_calls++;
    size_t len = 0;
    assert_non_null(wasm_caller_memory(caller, &len));
    assert_int_equal(len, 65536);
    if (args[0].of.i32 == 0xbeef) { /* endless guest -> host -> guest recursion */
        wasm_extern_t outer;
        assert_int_equal(wasm_instance_export(fx->inst, "outer", &outer), WASM_OK);
        wasm_value_t r;
        wasm_result_t rc = wasm_func_call(wasm_caller_store(caller), outer, args, 1, &r, 1, err);
        if (rc != WASM_OK)
            return rc;
        results[0] = r;
        return WASM_OK;
    }
    if (args[0].of.i32 == 0xdead) {
        snprintf(err->message, sizeof err->message, "host refused");
        err->kind = WASM_ERR_HOST;
        return WASM_ERR_HOST;
    }
    wasm_extern_t dbl;
    assert_int_equal(wasm_instance_export(fx->inst, "double", &dbl), WASM_OK);
    wasm_value_t r;
    wasm_result_t rc = wasm_func_call(wasm_caller_store(caller), dbl, args, 1, &r, 1, err);
    if (rc != WASM_OK)
        return rc;
    results[0] = r;
    return WASM_OK;
}

static wasm_result_t resolve(void *user, const wasm_import_desc_t *import, wasm_extern_t *out)
{
    fixture_t *fx = user;
    if (strcmp(import->module, "env") != 0 || strcmp(import->name, "cb") != 0)
        return WASM_ERR_LINK;
    *out = fx->cb;
    return WASM_OK;
}

static void setup_with(fixture_t *fx, const wasm_store_limits_t *limits)
{
    memset(fx, 0, sizeof *fx);
    wasm_error_t err;
    assert_int_equal(wasm_module_new(limits_wasm, sizeof limits_wasm, &fx->module, &err), WASM_OK);
    assert_int_equal(wasm_store_new(limits, &fx->store), WASM_OK);
    static const wasm_valtype_t i32[1] = {WASM_I32};
    wasm_functype_t t = {1, 1, i32, i32};
    assert_int_equal(wasm_func_new_host(fx->store, &t, host_cb, fx, &fx->cb), WASM_OK);
    assert_int_equal(wasm_instantiate(fx->store, fx->module, resolve, fx, &fx->inst, &err),
                     WASM_OK);
}

static void teardown(fixture_t *fx)
{
    wasm_store_free(fx->store);
    wasm_module_free(fx->module);
}

static wasm_result_t call1(fixture_t *fx, const char *name, uint32_t arg, uint32_t *out,
                           wasm_error_t *err)
{
    wasm_extern_t f;
    assert_int_equal(wasm_instance_export(fx->inst, name, &f), WASM_OK);
    wasm_value_t a = {.type = WASM_I32, .of.i32 = arg}, r;
    memset(&r, 0, sizeof r);
    wasm_result_t rc = wasm_func_call(fx->store, f, &a, 1, &r, 1, err);
    if (out)
        *out = r.of.i32;
    return rc;
}

static wasm_result_t call0(fixture_t *fx, const char *name, wasm_error_t *err)
{
    wasm_extern_t f;
    assert_int_equal(wasm_instance_export(fx->inst, name, &f), WASM_OK);
    return wasm_func_call(fx->store, f, NULL, 0, NULL, 0, err);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_fuel_stops_an_endless_loop_and_the_store_stays_usable(void **state)
{
    (void)state;
    wasm_store_limits_t lim;
    wasm_store_limits_default(&lim);
    lim.fuel = 100000;
    fixture_t fx;
    setup_with(&fx, &lim);
    wasm_error_t err;
    assert_int_equal(call0(&fx, "spin", &err), WASM_ERR_FUEL);
    assert_int_equal(err.kind, WASM_ERR_FUEL);
    assert_true(strlen(err.message) > 0);
    assert_int_equal(wasm_store_fuel_left(fx.store), 0);
    /* refuelled, the same store runs again; fuel is charged for the work done */
    wasm_store_set_fuel(fx.store, 1000000);
    uint32_t r;
    assert_int_equal(call1(&fx, "sum", 100, &r, &err), WASM_OK);
    assert_int_equal(r, 4950);
    uint64_t left = wasm_store_fuel_left(fx.store);
    assert_true(left < 1000000 && left > 1000000 - 100000);
    /* too little fuel for 100 iterations */
    wasm_store_set_fuel(fx.store, 50);
    assert_int_equal(call1(&fx, "sum", 100, &r, &err), WASM_ERR_FUEL);
    teardown(&fx);
}

static void test_deadline_stops_an_endless_loop(void **state)
{
    (void)state;
    fixture_t fx;
    setup_with(&fx, NULL);
    wasm_error_t err;
    wasm_store_set_deadline(fx.store, now_ns() + 20 * 1000000u);
    assert_int_equal(call0(&fx, "spin", &err), WASM_ERR_TIMEOUT);
    assert_int_equal(err.kind, WASM_ERR_TIMEOUT);
    /* a passed deadline stops even a short call at its first check; clearing it runs again */
    wasm_store_set_deadline(fx.store, 0);
    uint32_t r;
    assert_int_equal(call1(&fx, "sum", 10, &r, &err), WASM_OK);
    assert_int_equal(r, 45);
    teardown(&fx);
}

static void test_call_depth_is_bounded_without_c_recursion(void **state)
{
    (void)state;
    wasm_store_limits_t lim;
    wasm_store_limits_default(&lim);
    lim.max_call_depth = 500;
    fixture_t fx;
    setup_with(&fx, &lim);
    wasm_error_t err;
    assert_int_equal(call1(&fx, "rec", 0, NULL, &err), WASM_ERR_EXHAUSTED);
    assert_int_equal(err.kind, WASM_ERR_EXHAUSTED);
    uint32_t r;
    assert_int_equal(call1(&fx, "double", 21, &r, &err), WASM_OK);
    assert_int_equal(r, 42);
    teardown(&fx);

    /* the default depth (10,000 frames) also ends in exhaustion, not in a crashed C stack */
    setup_with(&fx, NULL);
    assert_int_equal(call1(&fx, "rec", 0, NULL, &err), WASM_ERR_EXHAUSTED);
    teardown(&fx);
}

static void test_operand_stack_is_bounded(void **state)
{
    (void)state;
    wasm_store_limits_t lim;
    wasm_store_limits_default(&lim);
    lim.max_call_depth = 1000000;
    lim.max_stack_bytes = 64 * 1024;
    fixture_t fx;
    setup_with(&fx, &lim);
    wasm_error_t err;
    assert_int_equal(call1(&fx, "rec", 0, NULL, &err), WASM_ERR_EXHAUSTED);
    uint32_t r;
    assert_int_equal(call1(&fx, "sum", 4, &r, &err), WASM_OK);
    assert_int_equal(r, 6);
    teardown(&fx);
}

static void test_traps_leave_the_store_usable(void **state)
{
    (void)state;
    fixture_t fx;
    setup_with(&fx, NULL);
    wasm_extern_t div;
    assert_int_equal(wasm_instance_export(fx.inst, "div", &div), WASM_OK);
    wasm_value_t args[2] = {{.type = WASM_I32, .of.i32 = 7}, {.type = WASM_I32, .of.i32 = 0}};
    wasm_value_t r;
    wasm_error_t err;
    assert_int_equal(wasm_func_call(fx.store, div, args, 2, &r, 1, &err), WASM_ERR_TRAP);
    assert_string_equal(err.message, "integer divide by zero");
    args[0].of.i32 = 0x80000000u;
    args[1].of.i32 = 0xffffffffu;
    assert_int_equal(wasm_func_call(fx.store, div, args, 2, &r, 1, &err), WASM_ERR_TRAP);
    assert_string_equal(err.message, "integer overflow");
    args[0].of.i32 = 9;
    args[1].of.i32 = 3;
    assert_int_equal(wasm_func_call(fx.store, div, args, 2, &r, 1, &err), WASM_OK);
    assert_int_equal(r.of.i32, 3);
    /* API misuse is reported, not trusted */
    assert_int_equal(wasm_func_call(fx.store, div, args, 1, &r, 1, &err), WASM_ERR_ARG);
    args[1].type = WASM_I64;
    assert_int_equal(wasm_func_call(fx.store, div, args, 2, &r, 1, &err), WASM_ERR_ARG);
    teardown(&fx);
}

static void test_host_function_reenters_the_same_store(void **state)
{
    (void)state;
    wasm_store_limits_t lim;
    wasm_store_limits_default(&lim);
    lim.fuel = 1000000;
    fixture_t fx;
    setup_with(&fx, &lim);
    wasm_error_t err;
    uint32_t r = 0;
    /* outer(x) = cb(x) + 1, cb(x) = double(x) called back into the guest */
    assert_int_equal(call1(&fx, "outer", 20, &r, &err), WASM_OK);
    assert_int_equal(r, 41);
    assert_int_equal(fx.cb_calls, 1);
    uint64_t left = wasm_store_fuel_left(fx.store);
    assert_true(left < 1000000);
    /* a host error traps the guest with the host's message and kind */
    assert_int_equal(call1(&fx, "outer", 0xdead, &r, &err), WASM_ERR_HOST);
    assert_string_equal(err.message, "host refused");
    /* fuel runs out inside the nested call: the outer call reports it too */
    wasm_store_set_fuel(fx.store, 5);
    assert_int_equal(call1(&fx, "outer", 1, &r, &err), WASM_ERR_FUEL);
    wasm_store_set_fuel(fx.store, 0);
    assert_int_equal(call1(&fx, "outer", 2, &r, &err), WASM_OK);
    assert_int_equal(r, 5);
    /* endless recursion through the host ends as exhaustion, bounded in C stack */
    fx.cb_calls = 0;
    assert_int_equal(call1(&fx, "outer", 0xbeef, &r, &err), WASM_ERR_EXHAUSTED);
    assert_true(fx.cb_calls > 10 && fx.cb_calls < 1000);
    assert_int_equal(call1(&fx, "outer", 3, &r, &err), WASM_OK);
    assert_int_equal(r, 7);
    teardown(&fx);
}

static void *recurse_through_host(void *arg)
{
    fixture_t *fx = arg;
    wasm_error_t err;
    uint32_t r;
    return (void *)(uintptr_t)call1(fx, "outer", 0xbeef, &r, &err);
}

/* A worker thread with a small stack survives endless guest -> host -> guest recursion. */
static void test_host_recursion_fits_a_small_thread_stack(void **state)
{
    (void)state;
    fixture_t fx;
    setup_with(&fx, NULL);
    pthread_attr_t attr;
    pthread_t th;
    void *rc = NULL;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, 512 * 1024), 0);
    assert_int_equal(pthread_create(&th, &attr, recurse_through_host, &fx), 0);
    assert_int_equal(pthread_join(th, &rc), 0);
    pthread_attr_destroy(&attr);
    assert_int_equal((wasm_result_t)(uintptr_t)rc, WASM_ERR_EXHAUSTED);
    teardown(&fx);
}

static void test_memory_caps(void **state)
{
    (void)state;
    wasm_store_limits_t lim;
    wasm_store_limits_default(&lim);
    lim.memory_cap_bytes = 3 * 65536;
    fixture_t fx;
    setup_with(&fx, &lim);
    wasm_error_t err;
    uint32_t r;
    assert_int_equal(wasm_store_committed_bytes(fx.store), 65536);
    assert_int_equal(call1(&fx, "grow", 2, &r, &err), WASM_OK);
    assert_int_equal(r, 1);
    assert_int_equal(call1(&fx, "grow", 1, &r, &err), WASM_OK);
    assert_int_equal(r, 0xffffffffu); /* beyond the store cap: -1, not a trap */
    assert_int_equal(wasm_store_committed_bytes(fx.store), 3 * 65536);
    teardown(&fx);

    /* instantiating beyond the cap fails with the cap's kind */
    lim.memory_cap_bytes = 65536 / 2;
    memset(&fx, 0, sizeof fx);
    assert_int_equal(wasm_module_new(limits_wasm, sizeof limits_wasm, &fx.module, &err), WASM_OK);
    assert_int_equal(wasm_store_new(&lim, &fx.store), WASM_OK);
    static const wasm_valtype_t i32[1] = {WASM_I32};
    wasm_functype_t t = {1, 1, i32, i32};
    assert_int_equal(wasm_func_new_host(fx.store, &t, host_cb, &fx, &fx.cb), WASM_OK);
    assert_int_equal(wasm_instantiate(fx.store, fx.module, resolve, &fx, &fx.inst, &err),
                     WASM_ERR_MEMORY_CAP);
    assert_null(fx.inst);
    teardown(&fx);

    /* the process-wide cap applies across stores */
    size_t base = wasm_process_committed_bytes();
    wasm_set_process_memory_cap(base + 2 * 65536);
    setup_with(&fx, NULL);
    assert_int_equal(call1(&fx, "grow", 1, &r, &err), WASM_OK);
    assert_int_equal(r, 1);
    assert_int_equal(call1(&fx, "grow", 1, &r, &err), WASM_OK);
    assert_int_equal(r, 0xffffffffu);
    wasm_set_process_memory_cap(0);
    assert_int_equal(call1(&fx, "grow", 1, &r, &err), WASM_OK);
    assert_int_equal(r, 2);
    teardown(&fx);
    assert_int_equal(wasm_process_committed_bytes(), base);
}

static void test_thousand_idle_instances(void **state)
{
    (void)state;
    enum { N = 1000 };
    wasm_module_t *m;
    wasm_error_t err;
    assert_int_equal(wasm_module_new(idle_wasm, sizeof idle_wasm, &m, &err), WASM_OK);
    size_t base = wasm_process_committed_bytes();
    static wasm_store_t *stores[N];
    static wasm_instance_t *insts[N];
    for (int i = 0; i < N; i++) {
        assert_int_equal(wasm_store_new(NULL, &stores[i]), WASM_OK);
        assert_int_equal(wasm_instantiate(stores[i], m, NULL, NULL, &insts[i], &err), WASM_OK);
    }
    /* one page each is committed, nothing is reserved beyond it */
    assert_int_equal(wasm_process_committed_bytes() - base, (size_t)N * 65536);
    for (int i = 0; i < N; i += 97) {
        wasm_extern_t mem, get;
        assert_int_equal(wasm_instance_export(insts[i], "memory", &mem), WASM_OK);
        size_t len;
        uint8_t *data = wasm_memory_data(mem, &len);
        assert_int_equal(len, 65536);
        data[0] = (uint8_t)i;
        assert_int_equal(wasm_instance_export(insts[i], "get", &get), WASM_OK);
        wasm_value_t r;
        assert_int_equal(wasm_func_call(stores[i], get, NULL, 0, &r, 1, &err), WASM_OK);
        assert_int_equal(r.of.i32, (uint8_t)i);
    }
    for (int i = 0; i < N; i++)
        wasm_store_free(stores[i]);
    assert_int_equal(wasm_process_committed_bytes(), base);
    wasm_module_free(m);
}

static void test_malformed_and_invalid_are_distinguished(void **state)
{
    (void)state;
    wasm_module_t *m = NULL;
    wasm_error_t err;
    static const uint8_t bad_magic[] = {0, 'a', 's', 'x', 1, 0, 0, 0};
    assert_int_equal(wasm_module_new(bad_magic, sizeof bad_magic, &m, &err), WASM_ERR_MALFORMED);
    assert_null(m);
    /* (func (result i32) (i64.const 0)): decodes, does not type-check */
    static const uint8_t mismatch[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f,
                                       3, 2, 1, 0, 10, 6, 1, 4, 0, 0x42, 0, 0x0b};
    assert_int_equal(wasm_module_new(mismatch, sizeof mismatch, &m, &err), WASM_ERR_INVALID);
    assert_string_equal(err.message, "type mismatch");
    /* the same with the body cut short is malformed, even though it would be invalid too */
    assert_int_equal(wasm_module_new(mismatch, sizeof mismatch - 1, &m, &err),
                     WASM_ERR_MALFORMED);
    /* a SIMD value type is refused as malformed */
    static const uint8_t simd[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b};
    assert_int_equal(wasm_module_new(simd, sizeof simd, &m, &err), WASM_ERR_MALFORMED);
    assert_null(m);
}

static void test_imports_and_exports_are_listed(void **state)
{
    (void)state;
    wasm_module_t *m;
    wasm_error_t err;
    assert_int_equal(wasm_module_new(limits_wasm, sizeof limits_wasm, &m, &err), WASM_OK);
    assert_int_equal(wasm_module_import_count(m), 1);
    wasm_import_desc_t d;
    wasm_module_import(m, 0, &d);
    assert_string_equal(d.module, "env");
    assert_string_equal(d.name, "cb");
    assert_int_equal(d.kind, WASM_EXTERN_FUNC);
    assert_int_equal(wasm_module_export_count(m), 8);
    const char *name;
    wasm_extern_kind_t kind;
    wasm_module_export(m, 0, &name, &kind);
    assert_string_equal(name, "memory");
    assert_int_equal(kind, WASM_EXTERN_MEMORY);
    /* a missing import does not link */
    wasm_store_t *s;
    wasm_instance_t *in;
    assert_int_equal(wasm_store_new(NULL, &s), WASM_OK);
    assert_int_equal(wasm_instantiate(s, m, NULL, NULL, &in, &err), WASM_ERR_LINK);
    wasm_store_free(s);
    wasm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuel_stops_an_endless_loop_and_the_store_stays_usable),
        cmocka_unit_test(test_deadline_stops_an_endless_loop),
        cmocka_unit_test(test_call_depth_is_bounded_without_c_recursion),
        cmocka_unit_test(test_operand_stack_is_bounded),
        cmocka_unit_test(test_traps_leave_the_store_usable),
        cmocka_unit_test(test_host_function_reenters_the_same_store),
        cmocka_unit_test(test_host_recursion_fits_a_small_thread_stack),
        cmocka_unit_test(test_memory_caps),
        cmocka_unit_test(test_thousand_idle_instances),
        cmocka_unit_test(test_malformed_and_invalid_are_distinguished),
        cmocka_unit_test(test_imports_and_exports_are_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
