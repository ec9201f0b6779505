/*
 * wasi.h - the WASI preview1 subset a C guest built with `clang --target=wasm32-wasi` needs
 * (module "wasi_snapshot_preview1"): fd_write to stdout/stderr through a callback (the actor's
 * log), minimal fd_close/fd_seek/fd_fdstat_get/fd_prestat_*, clock_time_get, random_get,
 * proc_exit, and empty args/environ. No files, no sockets: a guest gets EBADF for any other fd.
 *
 * Every pointer the guest passes is bounds-checked against its memory 0 with 64-bit arithmetic;
 * a bad pointer answers EFAULT (21), it never reaches the host's memory.
 */
#ifndef ACTR_ENGINE_WASM_WASI_H
#define ACTR_ENGINE_WASM_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/wasm/wasm.h"

#define ACTR_WASI_MODULE "wasi_snapshot_preview1"

/* WASI errno values used here. */
enum {
    ACTR_WASI_ESUCCESS = 0,
    ACTR_WASI_EBADF = 8,
    ACTR_WASI_EFAULT = 21,
    ACTR_WASI_EINVAL = 28,
    ACTR_WASI_EIO = 29,
    ACTR_WASI_ESPIPE = 70,
};

/* Receives what the guest writes to fd 1 or 2 (not NUL-terminated; borrowed for the call). */
typedef void (*actr_wasi_output_fn)(void *user, int fd, const uint8_t *data, size_t len);

/* One instance's WASI state. Lives as long as the store its functions were created in. */
typedef struct actr_wasi {
    actr_wasi_output_fn output; /* NULL: output is dropped */
    void *user;
    bool exited;                /* the guest called proc_exit */
    uint32_t exit_code;
} actr_wasi_t;

/* Message of the WASM_ERR_HOST that proc_exit ends the running call with. */
#define ACTR_WASI_EXIT_MESSAGE "wasi proc_exit"

void actr_wasi_init(actr_wasi_t *wasi, actr_wasi_output_fn output, void *user);

/*
 * Resolves one import of module ACTR_WASI_MODULE by creating the matching host function in
 * store (its type is the WASI signature; the engine rejects a guest that declares another).
 * Returns WASM_OK, WASM_ERR_LINK for a name outside the subset, or the engine's error.
 */
wasm_result_t actr_wasi_resolve(actr_wasi_t *wasi, wasm_store_t *store,
                                const wasm_import_desc_t *import, wasm_extern_t *out);

/* True when a failed call ended because the guest called proc_exit (*code = its exit code).
 * Clears the flag, so a fresh instance on the same state starts clean. */
bool actr_wasi_take_exit(actr_wasi_t *wasi, uint32_t *code);

#endif
