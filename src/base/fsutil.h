/* fsutil.h - errno to ACTR_E* mapping and mkdir -p, shared by everything that touches files. */
#ifndef ACTR_BASE_FSUTIL_H
#define ACTR_BASE_FSUTIL_H

#include <sys/types.h>

#include "actr/error.h"

/* Maps an errno value to ACTR_ENOTFOUND, ACTR_EPERM, ACTR_EEXIST, ACTR_ENOMEM or ACTR_EIO. */
int actr_errno_code(int e);

/*
 * mkdir -p: creates path and every missing ancestor with mode (existing directories keep their
 * mode). A component that exists but is not a directory fails with ACTR_EIO.
 */
int actr_mkdirs(const char *path, mode_t mode, actr_error_t *err);

/* mkdir -p of the directory part of path ("a/b/file" -> "a/b"); nothing to do for "file". */
int actr_mkdirs_parent(const char *path, mode_t mode, actr_error_t *err);

#endif /* ACTR_BASE_FSUTIL_H */
