/* fileio.c - reading a whole config file, with errors that name the path. */
#include "platform/config/config_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_error(actr_error_t *err, const char *path, int e)
{
    int code = e == ENOENT || e == ENOTDIR ? ACTR_ENOTFOUND
               : e == EACCES || e == EPERM ? ACTR_EPERM
                                           : ACTR_EIO;
    return actr_error_set(err, code, code == ACTR_EIO ? ACTR_KIND_INTERNAL : ACTR_KIND_CLIENT, 0,
                          "failed to read `%.160s`: %s", path, strerror(e));
}

int cfg_read_file(const char *path, size_t max, char **out, size_t *len, actr_error_t *err)
{
    *out = NULL;
    *len = 0;
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
