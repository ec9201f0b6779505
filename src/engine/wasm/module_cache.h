/*
 * module_cache.h - decoded modules shared between the WASM actors of a process. A thousand
 * actors of one package decode and compile its module once: the module (validated code) is
 * read-only after decoding and may be used by many stores on many threads (wasm.h), so only
 * the per-instance state (memory, tables, globals, stacks) is paid per actor.
 *
 * Entries are keyed by the SHA-256 of the bytes and reference-counted; the last release frees
 * the module. Thread-safe.
 */
#ifndef ACTR_ENGINE_WASM_MODULE_CACHE_H
#define ACTR_ENGINE_WASM_MODULE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/wasm/wasm.h"

/* The decoded module for these bytes: shared when already loaded, else decoded now (errors as
 * wasm_module_new). Release it with actr_wasm_module_release(). */
wasm_result_t actr_wasm_module_acquire(const uint8_t *bytes, size_t len, wasm_module_t **out,
                                       wasm_error_t *err);

void actr_wasm_module_release(wasm_module_t *module);

/* Distinct modules currently held (tests and diagnostics). */
size_t actr_wasm_module_cache_size(void);

#endif
