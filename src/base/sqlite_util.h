/*
 * sqlite_util.h - SQLite helpers shared by the KV store, the mailbox and the dead-letter queue: opening a
 * file with our pragmas, error mapping, binding and reading blobs, timestamps as text.
 */
#ifndef ACTR_BASE_SQLITE_UTIL_H
#define ACTR_BASE_SQLITE_UTIL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"
#include "actr/error.h"
#include "base/clock.h"

/* How long a statement waits for another connection's lock before failing. */
#define ACTR_SQL_BUSY_TIMEOUT_MS 5000

/* 1 when path names an in-memory database (NULL or ":memory:"). */
int actr_sql_is_memory(const char *path);

/*
 * Opens path (creating it with mode 0600 first) or an in-memory database, in WAL mode with
 * PRAGMA synchronous=FULL (sync_full) or NORMAL. With fd_out, the descriptor used to create the
 * file stays open and is returned (to lock the file); otherwise it is closed. what names the
 * database in error messages ("mailbox", "dlq").
 */
int actr_sql_open(const char *path, const char *what, int sync_full, int *fd_out,
                    sqlite3 **db_out, actr_error_t *err);

/* Takes an exclusive, non-blocking flock(2) on fd: ACTR_EUNAVAILABLE when someone holds it. */
int actr_sql_lock(int fd, const char *path, const char *what, actr_error_t *err);

/* ACTR_E* code and fault domain of an SQLite result code. */
int actr_sql_code(int rc);
actr_error_kind_t actr_sql_kind(int rc);

/* Fills err with "<what>: <sqlite message>" and returns the mapped code. */
int actr_sql_fail(actr_error_t *err, sqlite3 *db, int rc, const char *what);

/* Runs SQL without results; returns 0 or the mapped error (err filled). */
int actr_sql_exec(sqlite3 *db, const char *sql, const char *what, actr_error_t *err);

/* Steps a statement that returns no rows, then resets it and clears its bindings. Returns
 * SQLITE_OK or the step's code. */
int actr_sql_step_done(sqlite3_stmt *st);

/* Binds bytes as a blob; an empty range binds an empty blob (not NULL). The bytes must outlive
 * the step. */
int actr_sql_bind_blob(sqlite3_stmt *st, int index, const void *data, size_t len);

/* As actr_sql_bind_blob(), but NULL data binds SQL NULL (optional columns). */
int actr_sql_bind_opt_blob(sqlite3_stmt *st, int index, const void *data, size_t len);

/* Binds a NUL-terminated string (NULL binds SQL NULL). */
int actr_sql_bind_text(sqlite3_stmt *st, int index, const char *text);

/* Copies blob column col into *out (empty for NULL or an empty blob). 0 or ACTR_ENOMEM. */
int actr_sql_column_buf(sqlite3_stmt *st, int col, actr_buf_t *out);

/* malloc'd copy of text column col; *out is NULL for SQL NULL. 0 or ACTR_ENOMEM. */
int actr_sql_column_strdup(sqlite3_stmt *st, int col, char **out);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ": fixed width, so text order is time order. */
void actr_sql_time_text(int64_t unix_ms, char out[ACTR_RFC3339_MS_LEN + 1]);

/* Unix ms of an RFC 3339 text column (any fraction width, as the reference writes); 0 when it
 * is NULL or does not parse. */
int64_t actr_sql_column_time(sqlite3_stmt *st, int col);

/* PRAGMA user_version. */
int actr_sql_user_version(sqlite3 *db, int *version);

#endif /* ACTR_BASE_SQLITE_UTIL_H */
