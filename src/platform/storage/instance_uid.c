/*
 * instance_uid.c - the stable id of one Hyper data directory, {data_dir}/.hyper-instance-uid
 * (spec: platform.md 4.1, 4.3): UUID v4 text, lowercase, hyphenated, no newline.
 *
 * Like the reference we trim whitespace and regenerate an empty file; unlike it we also
 * regenerate a file that does not hold a UUID, so a damaged file cannot put arbitrary text into
 * {instance_id} storage paths.
 */
#include "actr/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/uuid.h"
#include "base/atomic_file.h"
#include "base/fsutil.h"

/* A valid file is 36 bytes plus whitespace; anything longer than this is damaged. */
#define UID_FILE_MAX 256
/* Rounds of "read, else create" when other processes create the file at the same time. */
#define UID_ATTEMPTS 3

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Reads the whole file into buf (at most cap bytes); ACTR_ETOOBIG when it is longer. */
static int read_small(const char *path, char *buf, size_t cap, size_t *len, actr_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return ACTR_ENOTFOUND;
        int code = actr_errno_code(e);
        return actr_error_set(err, code, ACTR_KIND_CLIENT, 0, "cannot read %s: %s", path,
                              strerror(e));
    }
    size_t n = 0;
    int rc = 0;
    /* Each round reads at least one byte or ends the loop, so it runs at most cap + 1 times. */
    while (rc == 0) {
        char extra;
        ssize_t r = n < cap ? read(fd, buf + n, cap - n) : read(fd, &extra, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "cannot read %s: %s", path,
                                strerror(errno));
        else if (r == 0)
            break;
        else if (n == cap)
            rc = ACTR_ETOOBIG;
        else
            n += (size_t)r;
    }
    close(fd);
    *len = n;
    return rc;
}

/* 0 with *uuid set, ACTR_ENOTFOUND (no file), ACTR_EPARSE (empty or not a UUID), or an I/O
 * error with err set. */
static int read_uid(const char *path, actr_uuid_t *uuid, actr_error_t *err)
{
    char buf[UID_FILE_MAX];
    size_t len = 0;
    int rc = read_small(path, buf, sizeof buf, &len, err);
    if (rc == ACTR_ETOOBIG)
        return ACTR_EPARSE;
    if (rc != 0)
        return rc;
    size_t start = 0;
    while (start < len && is_space(buf[start]))
        start++;
    while (len > start && is_space(buf[len - 1]))
        len--;
    if (len == start || actr_uuid_parse(buf + start, len - start, uuid) != 0)
        return ACTR_EPARSE;
    return 0;
}

int actr_instance_uid_load(const char *data_dir, char out[ACTR_INSTANCE_UID_LEN + 1],
                           actr_error_t *err)
{
    if (!data_dir || !*data_dir || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no data_dir given");
    out[0] = '\0';
    int rc = actr_mkdirs(data_dir, 0700, err);
    if (rc != 0)
        return rc;
    size_t size = strlen(data_dir) + sizeof "/" ACTR_INSTANCE_UID_FILE;
    char *path = malloc(size);
    if (!path)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    snprintf(path, size, "%s/%s", data_dir, ACTR_INSTANCE_UID_FILE);
    rc = ACTR_EEXIST;
    for (int attempt = 0; attempt < UID_ATTEMPTS && rc == ACTR_EEXIST; attempt++) {
        actr_uuid_t uuid;
        char text[ACTR_UUID_STR_LEN + 1];
        int found = read_uid(path, &uuid, err);
        if (found == 0) {
            actr_uuid_format(&uuid, out);
            rc = 0;
            break;
        }
        if (found != ACTR_ENOTFOUND && found != ACTR_EPARSE) {
            rc = found;
            break;
        }
        if ((rc = actr_uuid_v4(&uuid)) != 0) {
            rc = actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot generate a UUID");
            break;
        }
        actr_uuid_format(&uuid, text);
        /* A missing file is linked into place only if still missing (EEXIST: read the winner's);
         * a damaged one is replaced. */
        rc = actr_atomic_write_file(path, text, ACTR_UUID_STR_LEN, 0600, found == ACTR_EPARSE,
                                    err);
        if (rc == 0)
            memcpy(out, text, sizeof text);
    }
    if (rc == ACTR_EEXIST)
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0,
                            "%s keeps changing while it is read", path);
    free(path);
    return rc;
}
