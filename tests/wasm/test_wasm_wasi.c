/*
 * test_wasm_wasi.c - the WASI preview1 subset (src/engine/wasm/wasi.c) through a real engine:
 * tests/wasm/wat/wasi_probe.wat wraps each WASI function so the test can pass any pointer.
 * Every guest pointer must be bounds-checked (EFAULT, never a host access), output goes to the
 * callback, proc_exit is a distinct outcome, and names or types outside the subset do not link.
 *
 *   test_wasm_wasi WAT_DIR    (the folder holding wasi_probe.wasm and wasi_badtype.wasm)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/wasm/wasi.h"

static const char *wat_dir = ".";

typedef struct probe {
    wasm_module_t *module;
    wasm_store_t *store;
    wasm_instance_t *instance;
    actr_wasi_t wasi;
    uint8_t *mem;
    size_t mem_len;
    char out[256];
    size_t out_len;
    int out_fd;
} probe_t;

static void output(void *user, int fd, const uint8_t *data, size_t len)
{
    probe_t *p = user;
    p->out_fd = fd;
    if (p->out_len + len < sizeof p->out) {
        memcpy(p->out + p->out_len, data, len);
        p->out_len += len;
    }
}

static wasm_result_t resolve(void *user, const wasm_import_desc_t *import, wasm_extern_t *out)
{
    probe_t *p = user;
    return actr_wasi_resolve(&p->wasi, p->store, import, out);
}

static uint8_t *read_wasm(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", wat_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(65536);
    assert_non_null(buf);
    *len = fread(buf, 1, 65536, f);
    fclose(f);
    return buf;
}

static wasm_result_t load(probe_t *p, const char *name, wasm_error_t *err)
{
    memset(p, 0, sizeof *p);
    actr_wasi_init(&p->wasi, output, p);
    size_t len;
    uint8_t *bytes = read_wasm(name, &len);
    assert_int_equal(wasm_module_new(bytes, len, &p->module, err), WASM_OK);
    free(bytes);
    assert_int_equal(wasm_store_new(NULL, &p->store), WASM_OK);
    wasm_result_t r = wasm_instantiate(p->store, p->module, resolve, p, &p->instance, err);
    if (r == WASM_OK) {
        wasm_extern_t mem;
        assert_int_equal(wasm_instance_export(p->instance, "memory", &mem), WASM_OK);
        p->mem = wasm_memory_data(mem, &p->mem_len);
    }
    return r;
}

static void unload(probe_t *p)
{
    wasm_store_free(p->store);
    wasm_module_free(p->module);
}

/* Calls a probe export with i32 arguments; returns its i32 result (the WASI errno). */
static uint32_t probe(probe_t *p, const char *name, int n, ...)
{
    wasm_extern_t fn;
    assert_int_equal(wasm_instance_export(p->instance, name, &fn), WASM_OK);
    wasm_value_t args[4], res = {.type = WASM_I32};
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        args[i] = (wasm_value_t){.type = WASM_I32, .of.i32 = va_arg(ap, uint32_t)};
    va_end(ap);
    wasm_error_t err = {0};
    if (wasm_func_call(p->store, fn, args, (size_t)n, &res, 1, &err) != WASM_OK)
        fail_msg("%s: %s", name, err.message);
    return res.of.i32;
}

static void put32(uint8_t *m, uint32_t v)
{
    memcpy(m, &v, 4); /* x86-64 and wasm are both little-endian */
}

static uint32_t get32(const uint8_t *m)
{
    uint32_t v;
    memcpy(&v, m, 4);
    return v;
}

static void test_fd_write(void **state)
{
    (void)state;
    probe_t p;
    wasm_error_t err = {0};
    assert_int_equal(load(&p, "wasi_probe.wasm", &err), WASM_OK);
    assert_int_equal(p.mem_len, 65536);
    put32(p.mem + 0, 16); /* iov {buf 16 "hello", len 5} */
    put32(p.mem + 4, 5);
    assert_int_equal(probe(&p, "fd_write", 4, 1u, 0u, 1u, 8u), ACTR_WASI_ESUCCESS);
    assert_int_equal(get32(p.mem + 8), 5);
    assert_int_equal(p.out_fd, 1);
    assert_int_equal(p.out_len, 5);
    assert_memory_equal(p.out, "hello", 5);
    assert_int_equal(probe(&p, "fd_write", 4, 2u, 0u, 1u, 8u), ACTR_WASI_ESUCCESS);
    assert_int_equal(p.out_fd, 2);

    p.out_len = 0;
    assert_int_equal(probe(&p, "fd_write", 4, 3u, 0u, 1u, 8u), ACTR_WASI_EBADF);
    assert_int_equal(probe(&p, "fd_write", 4, 1u, 65532u, 1u, 8u), ACTR_WASI_EFAULT);
    assert_int_equal(probe(&p, "fd_write", 4, 1u, 0u, 1u, 65533u), ACTR_WASI_EFAULT);
    assert_int_equal(probe(&p, "fd_write", 4, 1u, 0xfffffff8u, 1u, 8u), ACTR_WASI_EFAULT);
    assert_int_equal(probe(&p, "fd_write", 4, 1u, 0u, 100000u, 8u), ACTR_WASI_EINVAL);
    put32(p.mem + 4, 0xffffffffu); /* an iov whose buffer runs past memory */
    assert_int_equal(probe(&p, "fd_write", 4, 1u, 0u, 1u, 8u), ACTR_WASI_EFAULT);
    put32(p.mem + 0, 65534);
    put32(p.mem + 4, 5);
    assert_int_equal(probe(&p, "fd_write", 4, 1u, 0u, 1u, 8u), ACTR_WASI_EFAULT);
    assert_int_equal(p.out_len, 0); /* nothing from the refused writes */
    unload(&p);
}

static void test_other_functions(void **state)
{
    (void)state;
    probe_t p;
    wasm_error_t err = {0};
    assert_int_equal(load(&p, "wasi_probe.wasm", &err), WASM_OK);
    assert_int_equal(probe(&p, "fd_seek", 2, 1u, 100u), ACTR_WASI_ESPIPE);
    assert_int_equal(probe(&p, "fd_seek", 2, 5u, 100u), ACTR_WASI_EBADF);
    assert_int_equal(probe(&p, "fd_close", 1, 1u), ACTR_WASI_ESUCCESS);
    assert_int_equal(probe(&p, "fd_close", 1, 9u), ACTR_WASI_EBADF);

    memset(p.mem + 400, 0xaa, 24);
    assert_int_equal(probe(&p, "fd_fdstat_get", 2, 1u, 400u), ACTR_WASI_ESUCCESS);
    assert_int_equal(p.mem[400], 2); /* character device */
    assert_int_equal(probe(&p, "fd_fdstat_get", 2, 7u, 400u), ACTR_WASI_EBADF);
    assert_int_equal(probe(&p, "fd_fdstat_get", 2, 1u, 65530u), ACTR_WASI_EFAULT);

    memset(p.mem + 100, 0, 8);
    assert_int_equal(probe(&p, "clock_time_get", 2, 1u, 100u), ACTR_WASI_ESUCCESS);
    uint64_t t;
    memcpy(&t, p.mem + 100, 8);
    assert_true(t > 0);
    assert_int_equal(probe(&p, "clock_time_get", 2, 0u, 100u), ACTR_WASI_ESUCCESS);
    assert_int_equal(probe(&p, "clock_time_get", 2, 9u, 100u), ACTR_WASI_EINVAL);
    assert_int_equal(probe(&p, "clock_time_get", 2, 1u, 65529u), ACTR_WASI_EFAULT);

    memset(p.mem + 200, 0, 64);
    assert_int_equal(probe(&p, "random_get", 2, 200u, 64u), ACTR_WASI_ESUCCESS);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero += p.mem[200 + i] != 0;
    assert_true(nonzero > 0); /* 64 zero bytes from a CSPRNG: probability 2^-512 */
    assert_int_equal(probe(&p, "random_get", 2, 65500u, 100u), ACTR_WASI_EFAULT);
    assert_int_equal(probe(&p, "random_get", 2, 0u, 0xffffffffu), ACTR_WASI_EFAULT);

    put32(p.mem + 300, 77);
    put32(p.mem + 304, 77);
    assert_int_equal(probe(&p, "args_sizes_get", 2, 300u, 304u), ACTR_WASI_ESUCCESS);
    assert_int_equal(get32(p.mem + 300), 0);
    assert_int_equal(get32(p.mem + 304), 0);
    assert_int_equal(probe(&p, "args_sizes_get", 2, 300u, 65534u), ACTR_WASI_EFAULT);
    assert_int_equal(probe(&p, "environ_get", 2, 300u, 304u), ACTR_WASI_ESUCCESS);
    unload(&p);
}

static void test_proc_exit(void **state)
{
    (void)state;
    probe_t p;
    wasm_error_t err = {0};
    assert_int_equal(load(&p, "wasi_probe.wasm", &err), WASM_OK);
    uint32_t code = 0;
    assert_false(actr_wasi_take_exit(&p.wasi, &code));
    wasm_extern_t fn;
    assert_int_equal(wasm_instance_export(p.instance, "proc_exit", &fn), WASM_OK);
    wasm_value_t arg = {.type = WASM_I32, .of.i32 = 7};
    /* Not the trap after the call: the call ends inside proc_exit. */
    assert_int_equal(wasm_func_call(p.store, fn, &arg, 1, NULL, 0, &err), WASM_ERR_HOST);
    assert_non_null(strstr(err.message, "proc_exit"));
    assert_true(actr_wasi_take_exit(&p.wasi, &code));
    assert_int_equal(code, 7);
    assert_false(actr_wasi_take_exit(&p.wasi, &code));
    /* The store stays usable. */
    assert_int_equal(probe(&p, "fd_close", 1, 1u), ACTR_WASI_ESUCCESS);
    unload(&p);
}

static void test_link_errors(void **state)
{
    (void)state;
    probe_t p;
    wasm_error_t err = {0};
    assert_int_equal(load(&p, "wasi_badtype.wasm", &err), WASM_ERR_LINK);
    unload(&p);

    actr_wasi_t wasi;
    actr_wasi_init(&wasi, NULL, NULL);
    wasm_store_t *store;
    assert_int_equal(wasm_store_new(NULL, &store), WASM_OK);
    wasm_extern_t ext;
    wasm_import_desc_t unknown = {ACTR_WASI_MODULE, "sock_accept", WASM_EXTERN_FUNC};
    assert_int_equal(actr_wasi_resolve(&wasi, store, &unknown, &ext), WASM_ERR_LINK);
    wasm_import_desc_t other = {"env", "fd_write", WASM_EXTERN_FUNC};
    assert_int_equal(actr_wasi_resolve(&wasi, store, &other, &ext), WASM_ERR_LINK);
    wasm_import_desc_t memory = {ACTR_WASI_MODULE, "fd_write", WASM_EXTERN_MEMORY};
    assert_int_equal(actr_wasi_resolve(&wasi, store, &memory, &ext), WASM_ERR_LINK);
    wasm_import_desc_t ok = {ACTR_WASI_MODULE, "fd_write", WASM_EXTERN_FUNC};
    assert_int_equal(actr_wasi_resolve(&wasi, store, &ok, &ext), WASM_OK);
    wasm_functype_t t;
    wasm_func_type(ext, &t);
    assert_int_equal(t.param_count, 4);
    assert_int_equal(t.result_count, 1);
    wasm_store_free(store);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        wat_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fd_write),
        cmocka_unit_test(test_other_functions),
        cmocka_unit_test(test_proc_exit),
        cmocka_unit_test(test_link_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
