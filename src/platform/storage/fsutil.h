/* fsutil.h - directory creation and errno mapping shared by the storage files. */
#ifndef ACTR_PLATFORM_STORAGE_FSUTIL_H
#define ACTR_PLATFORM_STORAGE_FSUTIL_H

#include <sys/types.h>

#include "actr/error.h"

/* Maps an errno value to ACTR_ENOTFOUND, ACTR_EPERM, ACTR_EEXIST, ACTR_ENOMEM or ACTR_EIO. */
int actr_storage_errno_code(int e);

/*
 * mkdir -p: creates path and every missing ancestor with mode (existing directories keep their
 * mode). A component that exists but is not a directory fails with ACTR_EIO.
 */
int actr_storage_mkdirs(const char *path, mode_t mode, actr_error_t *err);

/* mkdir -p of the directory part of path ("a/b/file" -> "a/b"); nothing to do for "file". */
int actr_storage_mkdirs_parent(const char *path, mode_t mode, actr_error_t *err);

#endif /* ACTR_PLATFORM_STORAGE_FSUTIL_H */
