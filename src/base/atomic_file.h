/* atomic_file.h - write a small file so that readers see either nothing or all of it. */
#ifndef ACTR_BASE_ATOMIC_FILE_H
#define ACTR_BASE_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "actr/error.h"

/*
 * Writes len bytes to path with the given mode: a temporary file beside path is written and
 * fsynced, then linked into place (fails with ACTR_EEXIST if path exists, without a window where
 * another writer could be overwritten) or, with replace, renamed over it; then the directory is
 * fsynced. On failure path is unchanged and the temporary file is gone. ACTR_ENOTFOUND (no such
 * directory), ACTR_EPERM, ACTR_EEXIST or ACTR_EIO, with the path and reason in err.
 */
int actr_atomic_write_file(const char *path, const void *data, size_t len, mode_t mode, int replace,
                           actr_error_t *err);

#endif /* ACTR_BASE_ATOMIC_FILE_H */
