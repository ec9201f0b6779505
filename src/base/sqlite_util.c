/* sqlite_util.c - SQLite helpers of the mailbox and the DLQ (see sqlite_util.h). */
#include "base/sqlite_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "actr/log.h"
#include "base/fsutil.h"

int actr_sql_is_memory(const char *path)
{
    return !path || strcmp(path, ":memory:") == 0;
}

int actr_sql_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return 0;
    case SQLITE_NOMEM:
        return ACTR_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ACTR_EUNAVAILABLE;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
        return ACTR_EPERM;
    case SQLITE_CANTOPEN:
        return ACTR_ENOTFOUND;
    case SQLITE_TOOBIG:
        return ACTR_ETOOBIG;
    case SQLITE_CONSTRAINT:
        return ACTR_EEXIST;
    default:
        return ACTR_EIO;
    }
}

actr_error_kind_t actr_sql_kind(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
        return ACTR_KIND_TRANSIENT;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return ACTR_KIND_CORRUPT;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_TOOBIG:
        return ACTR_KIND_CLIENT;
    default:
        return ACTR_KIND_INTERNAL;
    }
}

int actr_sql_fail(actr_error_t *err, sqlite3 *db, int rc, const char *what)
{
    int code = actr_sql_code(rc);
    if (code == 0)
        code = ACTR_EINTERNAL;
    return actr_error_set(err, code, actr_sql_kind(rc), 0, "%s: %s", what,
                          db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int actr_sql_exec(sqlite3 *db, const char *sql, const char *what, actr_error_t *err)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : actr_sql_fail(err, db, rc, what);
}

int actr_sql_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int actr_sql_bind_blob(sqlite3_stmt *st, int index, const void *data, size_t len)
{
    /* A NULL pointer would bind SQL NULL, which NOT NULL columns refuse. */
    if (len == 0)
        return sqlite3_bind_zeroblob(st, index, 0);
    return sqlite3_bind_blob64(st, index, data, len, SQLITE_STATIC);
}

int actr_sql_bind_opt_blob(sqlite3_stmt *st, int index, const void *data, size_t len)
{
    if (!data)
        return sqlite3_bind_null(st, index);
    return actr_sql_bind_blob(st, index, data, len);
}

int actr_sql_bind_text(sqlite3_stmt *st, int index, const char *text)
{
    if (!text)
        return sqlite3_bind_null(st, index);
    return sqlite3_bind_text(st, index, text, -1, SQLITE_STATIC);
}

int actr_sql_column_buf(sqlite3_stmt *st, int col, actr_buf_t *out)
{
    const void *data = sqlite3_column_blob(st, col);
    int len = sqlite3_column_bytes(st, col);
    if (!data || len <= 0) {
        *out = (actr_buf_t)ACTR_BUF_INIT;
        return 0;
    }
    return actr_buf_copy(data, (size_t)len, out);
}

int actr_sql_column_strdup(sqlite3_stmt *st, int col, char **out)
{
    *out = NULL;
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0;
    const unsigned char *text = sqlite3_column_text(st, col);
    int len = sqlite3_column_bytes(st, col);
    char *copy = malloc((size_t)len + 1);
    if (!copy)
        return ACTR_ENOMEM;
    if (len > 0)
        memcpy(copy, text, (size_t)len);
    copy[len] = '\0';
    *out = copy;
    return 0;
}

void actr_sql_time_text(int64_t unix_ms, char out[ACTR_RFC3339_MS_LEN + 1])
{
    if (actr_rfc3339_format_ms(unix_ms, out) != 0)
        actr_rfc3339_format_ms(0, out); /* only for clocks outside years 0000..9999 */
}

int64_t actr_sql_column_time(sqlite3_stmt *st, int col)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    int len = sqlite3_column_bytes(st, col);
    int64_t s;
    uint32_t nanos;
    if (!text || actr_rfc3339_parse((const char *)text, (size_t)len, &s, &nanos) != 0)
        return 0;
    return s * 1000 + nanos / 1000000;
}

int actr_sql_user_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *version = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int create_file(const char *path, const char *what, int *fd_out, actr_error_t *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        return actr_error_set(err, actr_errno_code(e), ACTR_KIND_CLIENT, 0,
                              "cannot open %s %s: %s", what, path, strerror(e));
    }
    if (fd_out)
        *fd_out = fd;
    else
        close(fd);
    return 0;
}

int actr_sql_lock(int fd, const char *path, const char *what, actr_error_t *err)
{
    /* flock locks are separate from the POSIX record locks SQLite uses, so they do not clash. */
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return 0;
    int e = errno;
    if (e == EWOULDBLOCK)
        return actr_error_set(err, ACTR_EUNAVAILABLE, ACTR_KIND_TRANSIENT, 0,
                              "%s %s is already open (by another process or handle)", what, path);
    return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "cannot lock %s %s: %s", what,
                          path, strerror(e));
}

/* Journal and sync pragmas. A file system without WAL keeps the rollback journal: with
 * synchronous FULL a commit is still durable, so we warn and carry on. */
static int set_pragmas(sqlite3 *db, const char *path, const char *what, int sync_full,
                       actr_error_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        if (path && (!mode || strcmp(mode, "wal") != 0))
            actr_log(ACTR_LOG_WARN, "mailbox", "WAL journal unavailable", ACTR_KV("db", what),
                     ACTR_KV("path", path), ACTR_KV("journal_mode", mode ? mode : ""));
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return actr_sql_fail(err, db, rc, "enabling WAL");
    return actr_sql_exec(db, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                           "setting synchronous", err);
}

int actr_sql_open(const char *path, const char *what, int sync_full, int *fd_out,
                    sqlite3 **db_out, actr_error_t *err)
{
    *db_out = NULL;
    if (fd_out)
        *fd_out = -1;
    int memory = actr_sql_is_memory(path);
    if (!memory && !*path)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "%s: empty path", what);
    int fd = -1;
    int rc = memory ? 0 : create_file(path, what, &fd, err);
    if (rc != 0)
        return rc;
    /* One connection, used by one thread at a time (ours serialise it): no SQLite mutex. */
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int src = sqlite3_open_v2(memory ? ":memory:" : path, &db, flags, NULL);
    if (src != SQLITE_OK) {
        rc = actr_sql_fail(err, db, src, what);
        goto fail;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, ACTR_SQL_BUSY_TIMEOUT_MS);
    if ((rc = set_pragmas(db, path, what, sync_full, err)) != 0) {
        /* Not a database, most likely: name the file. */
        actr_error_set(err, rc, err ? err->kind : ACTR_KIND_CORRUPT, 0, "cannot open %s %s: %s",
                       what, path ? path : ":memory:", sqlite3_errmsg(db));
        goto fail;
    }
    *db_out = db;
    if (fd_out)
        *fd_out = fd;
    else if (fd >= 0)
        close(fd);
    return 0;
fail:
    sqlite3_close(db);
    if (fd >= 0)
        close(fd);
    return rc;
}
