/* dynclib_internal.h - the dynclib engine's two halves: loading an image (image.c) and finding
 * the file to load (cache.c). */
#ifndef ACTR_ENGINE_DYNCLIB_INTERNAL_H
#define ACTR_ENGINE_DYNCLIB_INTERNAL_H

#include "engine/dynclib/dynclib.h"

typedef struct actr_dynclib_lib actr_dynclib_lib_t;

/*
 * dlopen()s path (RTLD_NOW | RTLD_LOCAL) and resolves the four ABI symbols. A failure here is a
 * "load failure" (the cache rewrites its copy once): ACTR_EIO with dlopen's message, or
 * ACTR_ENOTFOUND "missing symbol <name>". ACTR_ENOMEM.
 */
int actr_dynclib_lib_open(const char *path, actr_dynclib_lib_t **out, actr_error_t *err);

/* Closes a library that was opened but not started. NULL is ignored. */
void actr_dynclib_lib_close(actr_dynclib_lib_t *lib);

/*
 * Calls actr_init with the host vtable and InitPayloadV1{type} and builds the workload. Takes
 * ownership of lib in every case (closed on failure). ACTR_EINTERNAL "actr_init returned N".
 */
int actr_dynclib_lib_start(actr_dynclib_lib_t *lib, const actr_type_t *type, actr_workload_t *out,
                           actr_error_t *err);

#endif /* ACTR_ENGINE_DYNCLIB_INTERNAL_H */
