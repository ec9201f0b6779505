/*
 * spectest.c - the "spectest" host module of the reference interpreter
 * (WebAssembly/spec interpreter/host/spectest.ml): print functions that accept their arguments
 * and return nothing, immutable globals holding 666 / 666.6, a funcref table of 10..20 elements
 * and a memory of 1..2 pages.
 */
#include "spectest.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* 666.6 as IEEE bits (the reference writes the literal 666.6 for both widths). */
#define SPECTEST_F32_6666 0x4426a666u
#define SPECTEST_F64_6666 0x4084d4cccccccccdull

/* Quiet print: the suite only checks that the calls link and run. */
static wasm_result_t spectest_print(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                    wasm_value_t *results, wasm_error_t *err)
{
    (void)env;
    (void)caller;
    (void)args;
    (void)results;
    (void)err;
    return WASM_OK;
}

/* The verbose variant prints like the reference: "<value> : <type>" per argument. */
static wasm_result_t spectest_print_verbose(void *env, wasm_caller_t *caller,
                                            const wasm_value_t *args, wasm_value_t *results,
                                            wasm_error_t *err)
{
    const wasm_functype_t *type = env;
    for (uint32_t i = 0; i < type->param_count; i++) {
        switch (args[i].type) {
        case WASM_I32:
            printf("%" PRId32 " : i32\n", (int32_t)args[i].of.i32);
            break;
        case WASM_I64:
            printf("%" PRId64 " : i64\n", (int64_t)args[i].of.i64);
            break;
        case WASM_F32: {
            float f;
            memcpy(&f, &args[i].of.f32_bits, sizeof f);
            printf("%g : f32\n", (double)f);
            break;
        }
        case WASM_F64: {
            double d;
            memcpy(&d, &args[i].of.f64_bits, sizeof d);
            printf("%g : f64\n", d);
            break;
        }
        default:
            printf("? : ref\n");
        }
    }
    (void)caller;
    (void)results;
    (void)err;
    return WASM_OK;
}

typedef struct print_sig {
    const char *name;
    uint32_t count;
    wasm_valtype_t params[2];
} print_sig_t;

static const print_sig_t PRINTS[] = {
    {"print", 0, {WASM_I32, WASM_I32}},
    {"print_i32", 1, {WASM_I32, WASM_I32}},
    {"print_i64", 1, {WASM_I64, WASM_I64}},
    {"print_f32", 1, {WASM_F32, WASM_F32}},
    {"print_f64", 1, {WASM_F64, WASM_F64}},
    {"print_i32_f32", 2, {WASM_I32, WASM_F32}},
    {"print_f64_f64", 2, {WASM_F64, WASM_F64}},
};
#define PRINT_COUNT (sizeof PRINTS / sizeof PRINTS[0])

/* Types handed to the verbose printer as its env; static so they outlive every store. */
static wasm_functype_t print_types[PRINT_COUNT];

static void add(spectest_t *st, const char *name, wasm_extern_t ext)
{
    if (st->count >= SPECTEST_EXPORTS)
        return; /* cannot happen: the array is sized for the list above */
    st->names[st->count] = name;
    st->externs[st->count] = ext;
    st->count++;
}

static wasm_result_t add_global(wasm_store_t *store, spectest_t *st, const char *name,
                                wasm_valtype_t type, uint64_t bits)
{
    wasm_value_t v;
    memset(&v, 0, sizeof v);
    v.type = type;
    if (type == WASM_I32 || type == WASM_F32)
        v.of.i32 = (uint32_t)bits;
    else
        v.of.i64 = bits;
    wasm_extern_t ext;
    wasm_result_t r = wasm_global_new(store, v, false, &ext);
    if (r == WASM_OK)
        add(st, name, ext);
    return r;
}

wasm_result_t spectest_create(wasm_store_t *store, bool verbose, spectest_t *out,
                              wasm_error_t *err)
{
    memset(out, 0, sizeof *out);
    out->verbose = verbose;
    wasm_result_t r = WASM_OK;
    for (size_t i = 0; i < PRINT_COUNT && r == WASM_OK; i++) {
        print_types[i] = (wasm_functype_t){PRINTS[i].count, 0, PRINTS[i].params, NULL};
        wasm_extern_t ext;
        r = wasm_func_new_host(store, &print_types[i],
                               verbose ? spectest_print_verbose : spectest_print,
                               verbose ? (void *)&print_types[i] : NULL, &ext);
        if (r == WASM_OK)
            add(out, PRINTS[i].name, ext);
    }
    if (r == WASM_OK)
        r = add_global(store, out, "global_i32", WASM_I32, 666);
    if (r == WASM_OK)
        r = add_global(store, out, "global_i64", WASM_I64, 666);
    if (r == WASM_OK)
        r = add_global(store, out, "global_f32", WASM_F32, SPECTEST_F32_6666);
    if (r == WASM_OK)
        r = add_global(store, out, "global_f64", WASM_F64, SPECTEST_F64_6666);
    wasm_extern_t ext;
    if (r == WASM_OK)
        r = wasm_table_new(store, WASM_FUNCREF, (wasm_limits_range_t){10, 20, true}, &ext);
    if (r == WASM_OK) {
        add(out, "table", ext);
        r = wasm_memory_new(store, (wasm_limits_range_t){1, 2, true}, &ext);
    }
    if (r == WASM_OK)
        add(out, "memory", ext);
    if (r != WASM_OK && err) {
        err->kind = r;
        snprintf(err->message, sizeof err->message, "cannot create the spectest module (%s)",
                 wasm_result_name(r));
    }
    return r;
}

wasm_result_t spectest_lookup(const spectest_t *st, const char *name, wasm_extern_t *out)
{
    for (size_t i = 0; i < st->count; i++) {
        if (strcmp(st->names[i], name) == 0) {
            *out = st->externs[i];
            return WASM_OK;
        }
    }
    return WASM_ERR_LINK;
}
