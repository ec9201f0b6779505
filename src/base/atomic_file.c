/* atomic_file.c - temp file + fsync + link/rename + directory fsync (see atomic_file.h). */
#include "base/atomic_file.h"
#include "base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(actr_error_t *err, const char *path, const char *what, int e)
{
    int code = actr_errno_code(e);
    return actr_error_set(err, code, code == ACTR_EIO ? ACTR_KIND_INTERNAL : ACTR_KIND_CLIENT, 0,
                          "%s: %s: %s", path, what, strerror(e));
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Makes the new directory entry durable; the file's own data was fsynced before. */
static int sync_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Writes, syncs and closes the temporary file; keeps errno on failure. */
static int fill_temp(int fd, const void *data, size_t len, mode_t mode)
{
    int rc = fchmod(fd, mode) == 0 && write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    int saved = errno;
    if (close(fd) != 0 && rc == 0)
        return -1;
    errno = saved;
    return rc;
}

int actr_atomic_write_file(const char *path, const void *data, size_t len, mode_t mode, int replace,
                           actr_error_t *err)
{
    if (!path || !*path || (!data && len > 0))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no file path given");
    struct stat st;
    if (!replace && lstat(path, &st) == 0)
        return actr_error_set(err, ACTR_EEXIST, ACTR_KIND_CLIENT, 0,
                              "%s: file exists (refusing to overwrite it)", path);
    size_t tmp_size = strlen(path) + sizeof ".tmp-XXXXXX";
    char *tmp = malloc(tmp_size);
    if (!tmp)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    snprintf(tmp, tmp_size, "%s.tmp-XXXXXX", path);
    int rc = 0;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = fail(err, path, "cannot create a temporary file beside it", errno);
        free(tmp);
        return rc;
    }
    if (fill_temp(fd, data, len, mode) != 0)
        rc = fail(err, path, "cannot write the temporary file", errno);
    else if (replace && rename(tmp, path) != 0)
        rc = fail(err, path, "cannot replace the file", errno);
    else if (!replace && link(tmp, path) != 0)
        rc = errno == EEXIST ? actr_error_set(err, ACTR_EEXIST, ACTR_KIND_CLIENT, 0,
                                              "%s: file exists (refusing to overwrite it)", path)
                             : fail(err, path, "cannot create the file", errno);
    /* After rename the name is gone; after link (or a failure) the temporary name remains. */
    if (rc != 0 || !replace)
        unlink(tmp);
    free(tmp);
    if (rc == 0 && sync_parent(path) != 0)
        rc = fail(err, path, "cannot sync the directory", errno);
    return rc;
}
