/*
 * workload.h - the WASM engine as the runtime sees it: a core module that implements our actor
 * ABI (docs/WASM-HOST.md) presented as an actr_workload_t. Private to libactr.
 *
 * Guest exports: memory, actr_alloc(i32)->i32, actr_free(i32,i32), actr_init(i32,i32)->i32,
 * actr_handle(i32,i32,i32)->i32, optional actr_shutdown()->i32 and _initialize() (WASI
 * reactors). Imports: module "actr" (host_abi.h) and "wasi_snapshot_preview1" (wasi.h).
 *
 * Sandbox (spec: engines.md §3.3, §3.6): every entry gets fresh fuel and a wall-clock deadline;
 * the instance's memory is capped. A trap, call-stack exhaustion, running out of fuel or time,
 * the memory cap or proc_exit fails that request with a clear error and destroys the instance;
 * the next request gets a fresh one (instantiated and initialised again; guest state is lost).
 * A non-zero status from actr_handle is a business error: the instance is kept.
 */
#ifndef ACTR_ENGINE_WASM_WORKLOAD_H
#define ACTR_ENGINE_WASM_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "actr/config.h"
#include "actr/error.h"
#include "actr/types.h"
#include "actr/workload.h"

/*
 * Loads a module as an actor. limits (NULL: actr_wasm_limits_default()) are the hyper's
 * WasmRuntimeLimits (include/actr/config.h); this engine applies fuel_per_invocation and
 * invocation_timeout_ms to every entry and to the initialisation, max_linear_memory (+ 8 bytes
 * per max_table_elements) as the instance's memory cap, max_wasm_stack as its value-stack
 * size, max_component_bytes to the module size and max_total_linear_memory as the process-wide
 * cap (wasm_set_process_memory_cap; the last workload created sets it). A zero field means its
 * default.
 *
 * Decodes and validates the module, checks its exports, instantiates it and runs actr_init
 * (after _initialize when exported), so a broken guest is refused here, not at its first
 * request. type (may be NULL: an empty actr_type) is sent in InitPayloadV1. On success *out is
 * a workload the caller owns (actr_node_link, or actr_workload_destroy). Errors, with err
 * naming the cause: ACTR_EINVAL (a missing or mistyped export, an import the host does not
 * provide), ACTR_ETOOBIG (module over max_component_bytes), ACTR_EPARSE (malformed or invalid
 * module), ACTR_EINTERNAL (start function or initialisation trapped, actr_init returned
 * non-zero), ACTR_ETIMEDOUT, ACTR_ENOMEM.
 */
int actr_wasm_workload_new_typed(const uint8_t *wasm, size_t len, const actr_wasm_limits_t *limits,
                                 const actr_type_t *type, actr_workload_t *out,
                                 actr_error_t *err);

/* The same without an actor type (InitPayloadV1.actr_type is then empty). */
int actr_wasm_workload_new(const uint8_t *wasm, size_t len, const actr_wasm_limits_t *limits,
                           actr_workload_t *out, actr_error_t *err);

#endif
