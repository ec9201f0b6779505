/*
 * util.c - helpers shared by the `actr` commands: exit codes for library errors, reading files
 * with a progress bar, path manipulation and JSON output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "cli.h"

/* Reads are done in pieces of this size so the progress bar moves. */
#define READ_CHUNK (1u << 20)

const char *cli_error_text(int code, const actr_error_t *err)
{
    return err && err->message[0] ? err->message : actr_strerror(code);
}

int cli_exit_for(int code)
{
    switch (code) {
    case ACTR_ENOTFOUND:
    case ACTR_EPERM:
    case ACTR_EIO:
    case ACTR_EEXIST:
    case ACTR_ENOMEM:
    case ACTR_EINTERNAL:
    case ACTR_ETIMEDOUT:
    case ACTR_EUNAVAILABLE:
        return CLI_EXIT_IO;
    default:
        return CLI_EXIT_INVALID;
    }
}

int cli_exit_for_package(int code)
{
    /* Inside a package, "not found" and "denied" describe the package or its trust. */
    if (code == ACTR_ENOTFOUND || code == ACTR_EPERM || code == ACTR_EEXIST)
        return CLI_EXIT_INVALID;
    return cli_exit_for(code);
}

/* ---- progress ---- */

void cli_progress_start(cli_progress_t *p, const char *label, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->total = total;
    p->last_permille = -1;
    p->enabled = total >= CLI_PROGRESS_MIN_BYTES && isatty(STDERR_FILENO);
}

void cli_progress_add(cli_progress_t *p, uint64_t bytes)
{
    if (!p)
        return;
    p->done += bytes;
    if (!p->enabled || p->total == 0)
        return;
    int permille = (int)(p->done >= p->total ? 1000 : p->done * 1000 / p->total);
    if (permille == p->last_permille)
        return;
    p->last_permille = permille;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    int filled = permille * WIDTH / 1000;
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\r%s [%s] %3d%% %.1f/%.1f MiB", p->label, bar, permille / 10,
            (double)p->done / (1024.0 * 1024.0), (double)p->total / (1024.0 * 1024.0));
    fflush(stderr);
}

void cli_progress_finish(cli_progress_t *p)
{
    if (p->enabled && p->last_permille >= 0)
        fputs("\r\033[K", stderr); /* erase the bar: the result lines follow */
    p->enabled = false;
}

/* ---- files ---- */

static int file_error(actr_error_t *err, int e, const char *what, const char *path)
{
    return actr_error_set(err, actr_errno_code(e), ACTR_KIND_CLIENT, 0, "cannot %s %s: %s", what,
                          path, strerror(e));
}

/* Opens path for reading and checks it is a regular file of at most max bytes. */
static int open_regular(const char *path, uint64_t max, int *fd_out, uint64_t *size,
                        actr_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return file_error(err, errno, "read", path);
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = file_error(err, errno, "read", path);
    else if (!S_ISREG(st.st_mode))
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0,
                            "cannot read %s: not a regular file", path);
    else if (max && (uint64_t)st.st_size > max)
        rc = actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0,
                            "%s is %lld bytes, more than the limit of %llu", path,
                            (long long)st.st_size, (unsigned long long)max);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    *size = (uint64_t)st.st_size;
    return 0;
}

int cli_file_size(const char *path, uint64_t *size, actr_error_t *err)
{
    int fd;
    int rc = open_regular(path, 0, &fd, size, err);
    if (rc == 0)
        close(fd);
    return rc;
}

bool cli_path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int cli_read_file(const char *path, uint64_t max, cli_progress_t *progress, actr_buf_t *out,
                  actr_error_t *err)
{
    *out = (actr_buf_t)ACTR_BUF_INIT;
    int fd;
    uint64_t size;
    int rc = open_regular(path, max, &fd, &size, err);
    if (rc != 0)
        return rc;
    if (size > SIZE_MAX / 2) {
        close(fd);
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0, "%s is too large", path);
    }
    uint8_t *data = NULL;
    rc = actr_buf_alloc((size_t)size, out, &data);
    if (rc != 0) {
        close(fd);
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot read %s: out of memory",
                              path);
    }
    size_t done = 0;
    while (rc == 0 && done < size) {
        size_t want = size - done < READ_CHUNK ? size - done : READ_CHUNK;
        ssize_t n = read(fd, data + done, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = file_error(err, errno, "read", path);
        else if (n == 0) /* shrank while we read it */
            rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0,
                                "cannot read %s: file changed while reading", path);
        else {
            done += (size_t)n;
            cli_progress_add(progress, (uint64_t)n);
        }
    }
    close(fd);
    if (rc != 0)
        actr_buf_release(out);
    return rc;
}

bool cli_parse_size(const char *text, uint64_t *out)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    default: break;
    }
    if (errno || *end || n == 0 || n > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)n << shift;
    return true;
}

/* ---- paths ---- */

static void *checked(void *p)
{
    if (!p) {
        fputs("actr: out of memory\n", stderr);
        exit(CLI_EXIT_IO);
    }
    return p;
}

char *cli_xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return checked(n < 0 ? NULL : s);
}

char *cli_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return cli_xprintf(".");
    if (slash == path)
        return cli_xprintf("/");
    return cli_xprintf("%.*s", (int)(slash - path), path);
}

char *cli_path_join(const char *dir, const char *name)
{
    if (!dir[0] || !strcmp(dir, "."))
        return cli_xprintf("%s", name);
    size_t n = strlen(dir);
    return cli_xprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

const char *cli_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *cli_default_key_path(void)
{
    const char *home = getenv("HOME");
    if (!home || !home[0])
        return NULL;
    return cli_xprintf("%s/.actr/dev-key.json", home);
}

/* ---- JSON ---- */

void cli_json_print(cJSON *obj)
{
    char *text = checked(cJSON_PrintUnformatted(obj));
    puts(text);
    cJSON_free(text);
    cJSON_Delete(obj);
}

void cli_json_add_string(cJSON *obj, const char *key, const char *s)
{
    if (s)
        cJSON_AddStringToObject(obj, key, s);
    else
        cJSON_AddNullToObject(obj, key);
}
