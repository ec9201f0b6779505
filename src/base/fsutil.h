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

/*
 * Reads a whole regular file of at most max bytes into a NUL-terminated malloc'd buffer (the
 * NUL is not counted in *len). Errors name the path, as the reference's config loader does:
 * "failed to read `PATH`: REASON" with ACTR_ENOTFOUND, ACTR_EPERM, ACTR_EINVAL (not a regular
 * file), ACTR_ETOOBIG, ACTR_ENOMEM or ACTR_EIO. A file that shrinks while read yields what is there.
 */
int actr_read_file(const char *path, size_t max, char **out, size_t *len, actr_error_t *err);

#endif /* ACTR_BASE_FSUTIL_H */
