/*
 * spectest.h - the "spectest" host module that the spec scripts import, defined exactly as the
 * reference interpreter defines it (print*, global_i32/i64/f32/f64, table, memory).
 */
#ifndef WASM_SPEC_SPECTEST_H
#define WASM_SPEC_SPECTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/wasm/wasm.h"

#define SPECTEST_EXPORTS 13 /* 7 print functions, 4 globals, table, memory */

typedef struct spectest {
    const char *names[SPECTEST_EXPORTS];
    wasm_extern_t externs[SPECTEST_EXPORTS];
    size_t count;
    bool verbose; /* print calls print what they received, as the reference does */
} spectest_t;

/* Creates the module's objects in `store`. Returns WASM_OK or the engine's error. */
wasm_result_t spectest_create(wasm_store_t *store, bool verbose, spectest_t *out,
                              wasm_error_t *err);

/* Looks an export up by name; WASM_ERR_LINK when absent. */
wasm_result_t spectest_lookup(const spectest_t *st, const char *name, wasm_extern_t *out);

#endif
