/*
 * Fuzz target for the WebAssembly engine: the input is decoded and validated; a module that
 * validates is instantiated in a small sandbox (fuel, memory cap, call depth) with every import
 * satisfied by a matching stand-in (host functions returning zeros, fresh tables, memories and
 * globals), and each exported function is called with zero arguments. Whatever the input, the
 * engine must return a result kind (never crash, hang or leak), and a failure must name one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/wasm/wasm_int.h"

#define CHECK(cond)      \
    do {                 \
        if (!(cond))     \
            abort();     \
    } while (0)

typedef struct ctx {
    wasm_store_t *store;
    const wasm_module_t *module;
    uint32_t next_import;
} ctx_t;

static wasm_result_t zeros(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                           wasm_value_t *results, wasm_error_t *err)
{
    const wasm_functype_t *t = env;
    (void)caller;
    (void)args;
    (void)err;
    for (uint32_t i = 0; i < t->result_count; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].type = t->results[i];
    }
    return WASM_OK;
}

static wasm_value_t zero_of(wasm_valtype_t t)
{
    wasm_value_t v;
    memset(&v, 0, sizeof v);
    v.type = t;
    return v;
}

/* Imports are resolved in order, so the n-th call describes the n-th import. */
static wasm_result_t resolve(void *user, const wasm_import_desc_t *desc, wasm_extern_t *out)
{
    ctx_t *c = user;
    CHECK(c->next_import < c->module->nimports);
    const wasm_import_def_t *im = &c->module->imports[c->next_import++];
    CHECK(im->kind == desc->kind && strcmp(im->name, desc->name) == 0);
    switch (im->kind) {
    case WASM_EXTERN_FUNC: {
        const wasm_functype_t *t = &c->module->types[im->type_idx];
        return wasm_func_new_host(c->store, t, zeros, (void *)t, out);
    }
    case WASM_EXTERN_TABLE:
        return wasm_table_new(c->store, im->valtype, im->lim, out);
    case WASM_EXTERN_MEMORY:
        return wasm_memory_new(c->store, im->lim, out) == WASM_OK ? WASM_OK : WASM_ERR_LINK;
    default:
        return wasm_global_new(c->store, zero_of(im->valtype), im->mut, out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_module_t *m = NULL;
    wasm_error_t err;
    wasm_result_t rc = wasm_module_new(data, size, &m, &err);
    if (rc != WASM_OK) {
        CHECK(m == NULL);
        CHECK(rc == WASM_ERR_MALFORMED || rc == WASM_ERR_INVALID || rc == WASM_ERR_NOMEM);
        CHECK(err.kind == rc && err.message[0] != 0);
        return 0;
    }
    wasm_store_limits_t lim;
    wasm_store_limits_default(&lim);
    lim.fuel = 20000;
    lim.memory_cap_bytes = 16u << 20;
    lim.max_call_depth = 300;
    lim.max_stack_bytes = 64 * 1024;
    ctx_t c = {NULL, m, 0};
    CHECK(wasm_store_new(&lim, &c.store) == WASM_OK);
    wasm_instance_t *inst = NULL;
    rc = wasm_instantiate(c.store, m, resolve, &c, &inst, &err);
    if (rc == WASM_OK) {
        size_t n = wasm_module_export_count(m);
        for (size_t i = 0; i < n && i < 64; i++) {
            const char *name;
            wasm_extern_kind_t kind;
            wasm_module_export(m, i, &name, &kind);
            wasm_extern_t ext;
            CHECK(wasm_instance_export(inst, name, &ext) == WASM_OK && ext.kind == kind);
            if (kind != WASM_EXTERN_FUNC)
                continue;
            wasm_functype_t t;
            wasm_func_type(ext, &t);
            wasm_value_t args[16], results[16];
            if (t.param_count > 16 || t.result_count > 16)
                continue;
            for (uint32_t k = 0; k < t.param_count; k++)
                args[k] = zero_of(t.params[k]);
            wasm_store_set_fuel(c.store, 20000);
            rc = wasm_func_call(c.store, ext, args, t.param_count, results, t.result_count, &err);
            CHECK(rc == WASM_OK || err.kind == rc);
            for (uint32_t k = 0; rc == WASM_OK && k < t.result_count; k++)
                CHECK(results[k].type == t.results[k]);
        }
    }
    wasm_store_free(c.store);
    wasm_module_free(m);
    return 0;
}
