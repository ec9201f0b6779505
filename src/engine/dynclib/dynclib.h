/*
 * dynclib.h - the native (dynclib) engine: an actor shipped as a shared library that exports the
 * reference's C ABI (spec: engines.md §2), presented to the runtime as an actr_workload_t.
 *
 * The library must export actr_init(vtable, init, init_len), actr_handle(req, req_len, &resp,
 * &resp_len), actr_free_response(resp, resp_len) and actr_shutdown(). It is opened with
 * dlopen(RTLD_NOW | RTLD_LOCAL), initialised with the 4-entry host vtable (a static of process
 * lifetime) and an InitPayloadV1, then every entry is an AbiFrame through actr_handle
 * (engine/abi/abi.h). Entry into one image is strictly serial (a mutex per image), run on the
 * calling worker thread. actr_shutdown returning non-zero keeps the library mapped forever.
 *
 * Packages are extracted to {data_dir}/dynclib-cache/<binary sha256>.so (written through a
 * temporary file and linked into place without clobbering; an existing file is reused without
 * re-hashing; a cached copy that fails to load is deleted and rewritten once).
 */
#ifndef ACTR_ENGINE_DYNCLIB_H
#define ACTR_ENGINE_DYNCLIB_H

#include <stdbool.h>
#include <stddef.h>

#include "actr/buf.h"
#include "actr/error.h"
#include "actr/types.h"
#include "actr/workload.h"

/* The HostVTable handed to actr_init (engines.md §2.2): field order is the ABI. */
typedef struct actr_dynclib_host_vtable {
    int32_t (*retain_context)(uint64_t token);
    void (*release_context)(uint64_t token);
    int32_t (*invoke)(uint64_t token, const uint8_t *frame, size_t frame_len, uint8_t **reply_out,
                      size_t *reply_len_out);
    void (*free_host_buf)(uint8_t *ptr, size_t len);
} actr_dynclib_host_vtable_t;

/* The host's native target triple, fixed at compile time, e.g. "x86_64-unknown-linux-gnu". */
const char *actr_dynclib_host_triple(void);

/*
 * Whether a package target runs on this host (engines.md §1.2): at least 3 '-'-separated
 * non-empty segments, segment 0 (arch) equal to the host's, segment 2 (OS) equal to the host's
 * ("darwin" and "macos" are the same OS).
 */
bool actr_dynclib_target_compatible(const char *target);

/* Reads the verified binary (only called when the cache lacks it). */
typedef int (*actr_dynclib_read_fn)(void *arg, actr_buf_t *out, actr_error_t *err);

typedef struct actr_dynclib_options {
    /* Either path: load this file as is (tests, tools) ... */
    const char *path;
    /* ... or a package binary: its lowercase hex SHA-256 (the cache file name) and a reader. */
    const char *hash_hex;
    actr_dynclib_read_fn read_binary;
    void *read_arg;
    /* The cache directory ({data_dir}/dynclib-cache, created 0700); NULL: a private temporary
     * directory removed right after loading (an ephemeral hyper keeps no files). */
    const char *cache_dir;
    /* The actor type sent in InitPayloadV1 (required). */
    const actr_type_t *type;
} actr_dynclib_options_t;

/*
 * Loads and initialises the library and builds its workload (*out; the node owns it). Errors
 * (err says which, naming the symbol, file or code): ACTR_EINVAL (options), ACTR_EIO (load
 * failure: dlopen's message; cache write failure), ACTR_ENOTFOUND ("missing symbol actr_..."),
 * ACTR_EINTERNAL ("actr_init returned N"), ACTR_ENOMEM. After a failed load the library is
 * closed again (unless its init failed half-way: it is closed too, it never ran).
 */
int actr_dynclib_workload_new(const actr_dynclib_options_t *opts, actr_workload_t *out,
                              actr_error_t *err);

/* The cache file of a binary: "<cache_dir>/<hash_hex>.so". 0 or ACTR_ERANGE. */
int actr_dynclib_cache_path(const char *cache_dir, const char *hash_hex, char *out, size_t cap);

#endif /* ACTR_ENGINE_DYNCLIB_H */
