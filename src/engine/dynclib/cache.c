/*
 * cache.c - which file the dynclib engine loads (engines.md §1.2, §2.7): target matching, the
 * on-disk cache {data_dir}/dynclib-cache/<sha256>.so (write-once through a temporary file,
 * reused when present, rewritten once when the cached copy fails to load), and a private
 * temporary copy for hypers without a data directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actr/log.h"
#include "base/atomic_file.h"
#include "base/fsutil.h"
#include "engine/dynclib/dynclib_internal.h"

#if defined(__x86_64__)
#define HOST_ARCH "x86_64"
#elif defined(__aarch64__)
#define HOST_ARCH "aarch64"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH "riscv64"
#elif defined(__arm__)
#define HOST_ARCH "arm"
#elif defined(__i386__)
#define HOST_ARCH "x86"
#else
#define HOST_ARCH "unknown"
#endif

#if defined(__APPLE__)
#define HOST_OS "darwin"
#define HOST_TRIPLE HOST_ARCH "-apple-darwin"
#define LIB_SUFFIX ".dylib"
#elif defined(__linux__)
#define HOST_OS "linux"
#if defined(__GLIBC__)
#define HOST_TRIPLE HOST_ARCH "-unknown-linux-gnu"
#else
#define HOST_TRIPLE HOST_ARCH "-unknown-linux-musl"
#endif
#define LIB_SUFFIX ".so"
#else
#define HOST_OS "unknown"
#define HOST_TRIPLE HOST_ARCH "-unknown-unknown"
#define LIB_SUFFIX ".dynlib"
#endif

const char *actr_dynclib_host_triple(void)
{
    return HOST_TRIPLE;
}

/* Segment i of a '-'-separated triple, as [*start, *start + *len). false if absent. */
static bool segment(const char *t, int i, const char **start, size_t *len)
{
    for (int k = 0; k < i; k++) {
        t = strchr(t, '-');
        if (!t)
            return false;
        t++;
    }
    const char *end = strchr(t, '-');
    *start = t;
    *len = end ? (size_t)(end - t) : strlen(t);
    return true;
}

static bool seg_is(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(s, want, n) == 0;
}

bool actr_dynclib_target_compatible(const char *target)
{
    if (!target)
        return false;
    const char *s;
    size_t n;
    int count = 0;
    for (int i = 0; segment(target, i, &s, &n); i++) {
        if (n == 0)
            return false;
        count++;
    }
    if (count < 3)
        return false;
    segment(target, 0, &s, &n);
    if (!seg_is(s, n, HOST_ARCH))
        return false;
    segment(target, 2, &s, &n);
    bool darwin = strcmp(HOST_OS, "darwin") == 0;
    return seg_is(s, n, HOST_OS) || (darwin && seg_is(s, n, "macos"));
}

int actr_dynclib_cache_path(const char *cache_dir, const char *hash_hex, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s%s", cache_dir, hash_hex, LIB_SUFFIX);
    return (n < 0 || (size_t)n >= cap) ? ACTR_ERANGE : 0;
}

/* Writes the verified binary to path unless a file is already there (another creator won). */
static int write_binary(const actr_dynclib_options_t *o, const char *path, actr_error_t *err)
{
    actr_buf_t bin;
    int rc = o->read_binary(o->read_arg, &bin, err);
    if (rc != 0)
        return rc;
    rc = actr_atomic_write_file(path, bin.data, bin.len, 0700, 0, err);
    actr_buf_release(&bin);
    return rc == ACTR_EEXIST ? 0 : rc;
}

/* Opens the cached copy; when it fails to load, deletes it, rewrites it once and retries. */
static int open_cached(const actr_dynclib_options_t *o, actr_dynclib_lib_t **lib,
                       actr_error_t *err)
{
    int rc = actr_mkdirs(o->cache_dir, 0700, err);
    if (rc != 0)
        return rc;
    char path[4096];
    if (actr_dynclib_cache_path(o->cache_dir, o->hash_hex, path, sizeof path) != 0)
        return actr_error_set(err, ACTR_ERANGE, ACTR_KIND_CLIENT, 0,
                              "dynclib: cache path too long");
    struct stat st;
    if (stat(path, &st) != 0 && (rc = write_binary(o, path, err)) != 0)
        return rc;
    actr_error_t first = {0};
    rc = actr_dynclib_lib_open(path, lib, &first);
    if (rc != ACTR_EIO && rc != ACTR_ENOTFOUND) {
        if (rc != 0 && err)
            *err = first;
        return rc;
    }
    actr_log(ACTR_LOG_WARN, "dynclib", "cached library failed to load; rebuilding it once",
             ACTR_KV("path", path), ACTR_KV("error", first.message));
    if (unlink(path) != 0 && errno != ENOENT)
        return actr_error_set(err, actr_errno_code(errno), ACTR_KIND_INTERNAL, 0,
                              "dynclib: cannot delete the broken cache file %s: %s", path,
                              strerror(errno));
    if ((rc = write_binary(o, path, err)) != 0)
        return rc;
    actr_error_t second = {0};
    rc = actr_dynclib_lib_open(path, lib, &second);
    if (rc != 0)
        rc = actr_error_set(err, rc, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                            "dynclib: load failed after rebuild; first load error: %s; second "
                            "load error: %s", first.message, second.message);
    return rc;
}

/* No data dir: a private temporary directory, removed once the library is mapped. */
static int open_temporary(const actr_dynclib_options_t *o, actr_dynclib_lib_t **lib,
                          actr_error_t *err)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], path[4200];
    int n = snprintf(dir, sizeof dir, "%s/actr-dynclib-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof dir || !mkdtemp(dir))
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0,
                              "dynclib: cannot create a temporary directory: %s", strerror(errno));
    int rc = actr_dynclib_cache_path(dir, o->hash_hex, path, sizeof path);
    if (rc == 0)
        rc = write_binary(o, path, err);
    if (rc == 0)
        rc = actr_dynclib_lib_open(path, lib, err);
    unlink(path); /* the mapping outlives the name */
    rmdir(dir);
    return rc;
}

int actr_dynclib_workload_new(const actr_dynclib_options_t *o, actr_workload_t *out,
                              actr_error_t *err)
{
    if (!o || !out || !o->type || (!o->path && (!o->hash_hex || !o->read_binary)))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "dynclib: a type and either a path or a hash and a reader are "
                              "required");
    if (!o->path && (strlen(o->hash_hex) != 64 || strspn(o->hash_hex, "0123456789abcdef") != 64))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "dynclib: binary hash must be 64 lowercase hex digits");
    actr_dynclib_lib_t *lib = NULL;
    int rc;
    if (o->path)
        rc = actr_dynclib_lib_open(o->path, &lib, err);
    else if (o->cache_dir)
        rc = open_cached(o, &lib, err);
    else
        rc = open_temporary(o, &lib, err);
    if (rc != 0)
        return rc;
    return actr_dynclib_lib_start(lib, o->type, out, err);
}
