/* fsutil.c - errno mapping and mkdir -p (see fsutil.h). */
#include "base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int actr_errno_code(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return ACTR_ENOTFOUND;
    case EACCES:
    case EPERM:
    case EROFS:
        return ACTR_EPERM;
    case EEXIST:
        return ACTR_EEXIST;
    case ENOMEM:
        return ACTR_ENOMEM;
    default:
        return ACTR_EIO;
    }
}

/* Creates one directory; an existing directory is fine, anything else existing is not. */
static int mkdir_one(const char *dir, mode_t mode, actr_error_t *err)
{
    if (mkdir(dir, mode) == 0)
        return 0;
    int e = errno;
    struct stat st;
    if (e == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (e == EEXIST)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0,
                              "cannot create directory %s: exists and is not a directory", dir);
    int code = actr_errno_code(e);
    return actr_error_set(err, code, code == ACTR_EIO ? ACTR_KIND_INTERNAL : ACTR_KIND_CLIENT, 0,
                          "cannot create directory %s: %s", dir, strerror(e));
}

int actr_mkdirs(const char *path, mode_t mode, actr_error_t *err)
{
    if (!path || !*path)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no directory given");
    char *copy = strdup(path);
    if (!copy)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    int rc = 0;
    /* Each '/' after the first character ends an ancestor; the loop visits each byte once. */
    for (char *p = copy + 1; rc == 0 && *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        rc = mkdir_one(copy, mode, err);
        *p = '/';
    }
    if (rc == 0)
        rc = mkdir_one(copy, mode, err);
    free(copy);
    return rc;
}

int actr_mkdirs_parent(const char *path, mode_t mode, actr_error_t *err)
{
    if (!path || !*path)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no path given");
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0; /* relative file in the working directory, or a file directly under "/" */
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    int rc = actr_mkdirs(dir, mode, err);
    free(dir);
    return rc;
}

static int read_error(actr_error_t *err, const char *path, int e)
{
    int code = actr_errno_code(e);
    return actr_error_set(err, code, code == ACTR_EIO ? ACTR_KIND_INTERNAL : ACTR_KIND_CLIENT, 0,
                          "failed to read `%.160s`: %s", path, strerror(e));
}

int actr_read_file(const char *path, size_t max, char **out, size_t *len, actr_error_t *err)
{
    *out = NULL;
    *len = 0;
    if (!path)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no file path given");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return read_error(err, path, errno);
    struct stat st;
    int rc = 0;
    char *buf = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0)
        rc = read_error(err, path, errno);
    else if (!S_ISREG(st.st_mode))
        rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                            "failed to read `%.160s`: not a regular file", path);
    else if ((uint64_t)st.st_size > max)
        rc = actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0,
                            "failed to read `%.160s`: larger than %zu bytes", path, max);
    else if (!(buf = malloc((size_t)st.st_size + 1)))
        rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    while (rc == 0 && n < (size_t)st.st_size) {
        ssize_t got = read(fd, buf + n, (size_t)st.st_size - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = read_error(err, path, errno);
        else if (got == 0)
            break; /* the file shrank: use what is there */
        else
            n += (size_t)got;
    }
    close(fd);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}
