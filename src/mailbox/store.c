/* store.c - the SQLite side of a durable mailbox (see store.h). */
#include "mailbox/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actr/log.h"
#include "mailbox/dlq_internal.h"
#include "base/sqlite_util.h"

/* The reference's table and index, plus attempts and seq (store.h says why). */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS messages ("
    "id TEXT PRIMARY KEY, from_actr_id BLOB NOT NULL, payload BLOB NOT NULL, "
    "priority INTEGER NOT NULL, status INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, "
    "attempts INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS idx_messages_priority_status "
    "ON messages(priority DESC, status, created_at ASC);";

static const char *const stmt_sql[ACTR_MBSTORE_NSTMT] = {
    [ACTR_MBSTORE_INSERT] = "INSERT INTO messages (id, from_actr_id, payload, priority, status, "
                            "created_at, attempts, seq) VALUES (?1, ?2, ?3, ?4, 0, ?5, 0, ?6)",
    [ACTR_MBSTORE_SET_STATE] = "UPDATE messages SET status = ?2, attempts = ?3 WHERE id = ?1",
    [ACTR_MBSTORE_DELETE] = "DELETE FROM messages WHERE id = ?1",
};

static int bind_id(sqlite3_stmt *st, const actr_uuid_t *id, char text[ACTR_UUID_STR_LEN + 1])
{
    actr_uuid_format(id, text);
    return sqlite3_bind_text(st, 1, text, ACTR_UUID_STR_LEN, SQLITE_STATIC);
}

/* ---- schema ---- */

static int has_column(sqlite3 *db, const char *name, int *yes)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db, "SELECT COUNT(*) FROM pragma_table_info('messages') WHERE name = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *yes = sqlite3_column_int(st, 0) > 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* A table created by the reference lacks our columns: add them, taking rowid as the enqueue
 * order of the rows already there (the reference never reuses a smaller rowid). */
static int migrate_columns(sqlite3 *db, actr_error_t *err)
{
    int yes = 0;
    int rc = has_column(db, "attempts", &yes);
    if (rc != SQLITE_OK)
        return actr_sql_fail(err, db, rc, "reading the mailbox schema");
    if (!yes && (rc = actr_sql_exec(
                     db, "ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
                     "migrating the mailbox schema", err)) != 0)
        return rc;
    if ((rc = has_column(db, "seq", &yes)) != SQLITE_OK)
        return actr_sql_fail(err, db, rc, "reading the mailbox schema");
    if (!yes)
        rc = actr_sql_exec(db,
                             "ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
                             "UPDATE messages SET seq = rowid;",
                             "migrating the mailbox schema", err);
    return rc;
}

static int setup_schema(sqlite3 *db, const char *path, actr_error_t *err)
{
    int rc = actr_sql_exec(db, "BEGIN IMMEDIATE", "opening the mailbox", err);
    if (rc != 0)
        return rc;
    int version = 0;
    int src = actr_sql_user_version(db, &version);
    if (src != SQLITE_OK) {
        rc = actr_sql_fail(err, db, src, "reading the mailbox schema version");
    } else if (version > ACTR_MBSTORE_SCHEMA_VERSION) {
        rc = actr_error_set(err, ACTR_EUNSUPPORTED, ACTR_KIND_CLIENT, 0,
                            "mailbox %s has schema version %d; this build knows up to %d", path,
                            version, ACTR_MBSTORE_SCHEMA_VERSION);
    } else if ((rc = actr_sql_exec(db, schema_sql, "creating the mailbox schema", err)) == 0 &&
               version < ACTR_MBSTORE_SCHEMA_VERSION && (rc = migrate_columns(db, err)) == 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", ACTR_MBSTORE_SCHEMA_VERSION);
        rc = actr_sql_exec(db, sql, "setting the mailbox schema version", err);
    }
    if (rc == 0)
        return actr_sql_exec(db, "COMMIT", "creating the mailbox schema", err);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

void actr_mbstore_close(actr_mbstore_t *s)
{
    if (!s)
        return;
    for (int i = 0; i < ACTR_MBSTORE_NSTMT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    /* After sqlite3_close: closing a descriptor of the file drops this process's POSIX locks. */
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s);
}

int actr_mbstore_open(const char *path, int sync_full, actr_mbstore_t **out, actr_error_t *err)
{
    *out = NULL;
    actr_mbstore_t *s = calloc(1, sizeof *s);
    if (!s)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    s->lock_fd = -1;
    s->next_seq = 1;
    int fd = -1;
    int rc = actr_sql_open(path, "mailbox", sync_full, &fd, &s->db, err);
    s->lock_fd = fd;
    if (rc == 0)
        rc = actr_sql_lock(s->lock_fd, path, "mailbox", err);
    if (rc == 0)
        rc = setup_schema(s->db, path, err);
    for (int i = 0; rc == 0 && i < ACTR_MBSTORE_NSTMT; i++) {
        int src = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                     &s->st[i], NULL);
        if (src != SQLITE_OK)
            rc = actr_sql_fail(err, s->db, src, "preparing mailbox statements");
    }
    if (rc != 0) {
        actr_mbstore_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* ---- recovery ---- */

static int move_to_dlq(sqlite3_stmt *row, actr_dlq_t *dlq, const uint8_t *owner,
                       size_t owner_len, actr_error_t *err)
{
    const char *id = (const char *)sqlite3_column_text(row, 0);
    uint32_t attempts = (uint32_t)sqlite3_column_int64(row, 4);
    char trace[64], context[128], message[160], count[16];
    snprintf(count, sizeof count, "%" PRIu32, attempts);
    snprintf(trace, sizeof trace, "mailbox-%s", id ? id : "");
    snprintf(context, sizeof context,
             "{\"source\":\"mailbox\",\"priority\":\"%s\",\"attempts\":%" PRIu32 "}",
             sqlite3_column_int(row, 3) ? "high" : "normal", attempts);
    snprintf(message, sizeof message,
             "delivered %" PRIu32 " times and never acknowledged: the process stopped each time",
             attempts);
    actr_dlq_entry_t e = {
        .original_message_id = id,
        .from = sqlite3_column_blob(row, 1),
        .from_len = (size_t)sqlite3_column_bytes(row, 1),
        .to = owner,
        .to_len = owner_len,
        .raw = sqlite3_column_blob(row, 2),
        .raw_len = (size_t)sqlite3_column_bytes(row, 2),
        .error_message = message,
        .error_category = ACTR_DLQ_CATEGORY_POISON,
        .trace_id = trace,
        .context = context,
    };
    if (!e.from)
        e.from = (const uint8_t *)""; /* an empty blob is a present, empty sender */
    actr_log(ACTR_LOG_WARN, "mailbox", "poison message moved to the dead-letter queue",
             ACTR_KV("message_id", id), ACTR_KV("attempts", count));
    return actr_dlq_put_once(dlq, id ? id : "", &e, err);
}

static int recover_rows(actr_mbstore_t *s, actr_dlq_t *dlq, uint32_t max_attempts,
                        const uint8_t *owner, size_t owner_len, actr_mbstore_recovery_t *out,
                        actr_error_t *err)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(s->db,
                                 "SELECT id, from_actr_id, payload, priority, attempts "
                                 "FROM messages WHERE status = 1 AND attempts >= ?1",
                                 -1, &st, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(st, 1, max_attempts);
    int rc = 0;
    while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = move_to_dlq(st, dlq, owner, owner_len, err)) != 0)
            break;
        out->poisoned++;
        src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != 0)
        return rc;
    if (src != SQLITE_DONE)
        return actr_sql_fail(err, s->db, src, "recovering the mailbox");
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM messages WHERE status = 1 AND attempts >= %" PRIu32,
             max_attempts);
    if ((rc = actr_sql_exec(s->db, sql, "recovering the mailbox", err)) != 0)
        return rc;
    rc = actr_sql_exec(s->db, "UPDATE messages SET status = 0 WHERE status = 1",
                         "recovering the mailbox", err);
    out->requeued = (uint64_t)sqlite3_changes(s->db);
    return rc;
}

int actr_mbstore_recover(actr_mbstore_t *s, actr_dlq_t *dlq, uint32_t max_attempts,
                         const uint8_t *owner, size_t owner_len, actr_mbstore_recovery_t *out,
                         actr_error_t *err)
{
    *out = (actr_mbstore_recovery_t){0};
    int rc = actr_sql_exec(s->db, "BEGIN IMMEDIATE", "recovering the mailbox", err);
    if (rc != 0)
        return rc;
    rc = recover_rows(s, dlq, max_attempts, owner, owner_len, out, err);
    if (rc == 0)
        rc = actr_sql_exec(s->db, "COMMIT", "recovering the mailbox", err);
    if (rc != 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (out->requeued || out->poisoned) {
        char requeued[24], poisoned[24];
        snprintf(requeued, sizeof requeued, "%" PRIu64, out->requeued);
        snprintf(poisoned, sizeof poisoned, "%" PRIu64, out->poisoned);
        actr_log(ACTR_LOG_WARN, "mailbox", "recovered messages left in flight by a previous run",
                 ACTR_KV("requeued", requeued), ACTR_KV("poisoned", poisoned));
    }
    return 0;
}

/* ---- load ---- */

static int load_row(sqlite3_stmt *st, actr_mbix_t *ix, actr_error_t *err)
{
    const char *text = (const char *)sqlite3_column_text(st, 0);
    actr_uuid_t id;
    if (!text || actr_uuid_parse(text, (size_t)sqlite3_column_bytes(st, 0), &id) != 0) {
        /* Not written by a mailbox: it can never be acked, so leave it out of the queue. */
        actr_log(ACTR_LOG_WARN, "mailbox", "skipping a row whose id is not a UUID",
                 ACTR_KV("id", text ? text : ""));
        return 0;
    }
    actr_buf_t from, payload;
    if (actr_sql_column_buf(st, 1, &from) != 0)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    if (actr_sql_column_buf(st, 2, &payload) != 0) {
        actr_buf_release(&from);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    actr_mbix_node_t *node = actr_mbix_node_new(&id, from, payload, sqlite3_column_int(st, 3) != 0,
                                                actr_sql_column_time(st, 4));
    if (!node) {
        actr_buf_release(&from);
        actr_buf_release(&payload);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    node->attempts = (uint32_t)sqlite3_column_int64(st, 5);
    node->seq = (uint64_t)sqlite3_column_int64(st, 6);
    int rc = actr_mbix_add(ix, node);
    if (rc != 0) {
        actr_mbix_node_free(node);
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "loading the mailbox: %s",
                              actr_strerror(rc));
    }
    return 0;
}

int actr_mbstore_load(actr_mbstore_t *s, actr_mbix_t *ix, actr_error_t *err)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(s->db,
                                 "SELECT id, from_actr_id, payload, priority, created_at, "
                                 "attempts, seq FROM messages ORDER BY seq, rowid",
                                 -1, &st, NULL);
    int rc = 0;
    uint64_t max_seq = 0;
    while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64(st, 6);
        if (seq > max_seq)
            max_seq = seq;
        if ((rc = load_row(st, ix, err)) != 0)
            break;
        src = SQLITE_OK;
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = actr_sql_fail(err, s->db, src, "loading the mailbox");
    sqlite3_finalize(st);
    s->next_seq = max_seq + 1;
    return rc;
}

/* ---- row writes (writer thread) ---- */

static int write_done(actr_mbstore_t *s, int src, const char *what, actr_error_t *err)
{
    return src == SQLITE_OK ? 0 : actr_sql_fail(err, s->db, src, what);
}

int actr_mbstore_insert(actr_mbstore_t *s, actr_mbix_node_t *node, actr_error_t *err)
{
    sqlite3_stmt *st = s->st[ACTR_MBSTORE_INSERT];
    char id[ACTR_UUID_STR_LEN + 1], created[ACTR_RFC3339_MS_LEN + 1];
    actr_sql_time_text(node->created_ms, created);
    node->seq = s->next_seq++;
    int src = bind_id(st, &node->id, id);
    if (src == SQLITE_OK)
        src = actr_sql_bind_blob(st, 2, node->from.data, node->from.len);
    if (src == SQLITE_OK)
        src = actr_sql_bind_blob(st, 3, node->payload.data, node->payload.len);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int(st, 4, node->priority);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(st, 5, created, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(st, 6, (sqlite3_int64)node->seq);
    if (src == SQLITE_OK)
        return write_done(s, actr_sql_step_done(st), "storing a message", err);
    sqlite3_clear_bindings(st);
    return write_done(s, src, "storing a message", err);
}

int actr_mbstore_set_state(actr_mbstore_t *s, const actr_uuid_t *id, int status,
                           uint32_t attempts, actr_error_t *err)
{
    sqlite3_stmt *st = s->st[ACTR_MBSTORE_SET_STATE];
    char text[ACTR_UUID_STR_LEN + 1];
    int src = bind_id(st, id, text);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int(st, 2, status);
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(st, 3, attempts);
    if (src == SQLITE_OK)
        return write_done(s, actr_sql_step_done(st), "marking a message", err);
    sqlite3_clear_bindings(st);
    return write_done(s, src, "marking a message", err);
}

int actr_mbstore_delete(actr_mbstore_t *s, const actr_uuid_t *id, actr_error_t *err)
{
    sqlite3_stmt *st = s->st[ACTR_MBSTORE_DELETE];
    char text[ACTR_UUID_STR_LEN + 1];
    int src = bind_id(st, id, text);
    if (src == SQLITE_OK)
        return write_done(s, actr_sql_step_done(st), "deleting a message", err);
    sqlite3_clear_bindings(st);
    return write_done(s, src, "deleting a message", err);
}
