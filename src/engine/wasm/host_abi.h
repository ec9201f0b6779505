/*
 * host_abi.h - the actor host ABI for WASM core modules, host side: the imports of module "actr"
 * (docs/WASM-HOST.md) on top of the engine-neutral ABI layer (engine/abi/abi.h):
 *
 *   invoke(token i64, frame_ptr i32, frame_len i32, reply_out i32) -> i32
 *       a guest->host AbiFrame; the host allocates the AbiReply inside the guest with the
 *       guest's actr_alloc and writes (ptr, len) as two little-endian u32 at reply_out; the
 *       guest frees it with its own actr_free. Returns an ABI status (0 = reply written).
 *   retain_context(token i64) -> i32      release_context(token i64)
 *   log(level i32, ptr i32, len i32)      level 0 trace .. 4 error (others: info)
 *
 * Every guest pointer is bounds-checked against the caller's memory 0.
 */
#ifndef ACTR_ENGINE_WASM_HOST_ABI_H
#define ACTR_ENGINE_WASM_HOST_ABI_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/wasm/wasm.h"

#define ACTR_WASM_HOST_MODULE "actr"

/* Longest guest log line kept (longer ones are truncated, marked with "..."). */
#define ACTR_WASM_LOG_MAX 4096u

/* One instance's host-ABI state; lives as long as the store its functions were created in. */
typedef struct actr_wasm_host {
    wasm_store_t *store;
    wasm_extern_t guest_alloc;  /* the instance's actr_alloc and exported memory; set by */
    wasm_extern_t memory;       /* actr_wasm_host_bind() once the instance exists */
    bool bound;
    const char *actor;          /* name in log lines (borrowed; e.g. "mfr:name:version") */
} actr_wasm_host_t;

void actr_wasm_host_init(actr_wasm_host_t *host, wasm_store_t *store, const char *actor);

/* Binds the instance's exports actr_alloc and memory (checked by the caller). */
void actr_wasm_host_bind(actr_wasm_host_t *host, wasm_extern_t guest_alloc, wasm_extern_t memory);

/* Resolves one import of module "actr" (host function in host->store). WASM_ERR_LINK for an
 * unknown name; the engine rejects a guest declaring another signature. */
wasm_result_t actr_wasm_host_resolve(actr_wasm_host_t *host, const wasm_import_desc_t *import,
                                     wasm_extern_t *out);

/*
 * Copies len bytes into the guest: calls its actr_alloc(len + extra) (re-entering the store)
 * and writes the bytes at the start of that block (the extra bytes are left as they are).
 * *guest_ptr receives the address. WASM_OK; WASM_ERR_NOMEM when the
 * guest's allocator returned 0 or an address outside its memory; or the kind with which the
 * allocator call failed (trap, fuel, ...), with err set.
 */
wasm_result_t actr_wasm_host_copy_in(actr_wasm_host_t *host, const uint8_t *data, uint32_t len,
                                     uint32_t extra, uint32_t *guest_ptr, wasm_error_t *err);

#endif
