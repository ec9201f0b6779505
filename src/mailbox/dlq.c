/*
 * dlq.c - the dead-letter queue: the reference's table in its own SQLite file, every operation
 * a job of the file's writer thread (writer.c), so puts from many threads share commits.
 *
 * Timestamps are written as fixed-width RFC 3339 with milliseconds, so ordering and the
 * created_after filter can compare text; the reference writes a variable number of fraction
 * digits, so rows it wrote may sort slightly off within one second.
 */
#include "actr/dlq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/uuid.h"
#include "mailbox/dlq_internal.h"
#include "base/sqlite_util.h"
#include "mailbox/writer.h"

#define DLQ_SCHEMA_VERSION 1
#define DLQ_WRITE_QUEUE 64
#define DLQ_FULL_TIMEOUT_MS 5000

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS dead_letter_queue ("
    "id TEXT PRIMARY KEY, original_message_id TEXT, from_actr_id BLOB, to_actr_id BLOB, "
    "raw_bytes BLOB NOT NULL, error_message TEXT NOT NULL, error_category TEXT NOT NULL, "
    "trace_id TEXT NOT NULL, request_id TEXT, created_at TEXT NOT NULL, "
    "redrive_attempts INTEGER NOT NULL DEFAULT 0, last_redrive_at TEXT, context TEXT);"
    "CREATE INDEX IF NOT EXISTS idx_dlq_created_at ON dead_letter_queue(created_at DESC);"
    "CREATE INDEX IF NOT EXISTS idx_dlq_error_category "
    "ON dead_letter_queue(error_category, created_at DESC);"
    "CREATE INDEX IF NOT EXISTS idx_dlq_trace_id ON dead_letter_queue(trace_id);";

#define RECORD_COLUMNS                                                                        \
    "id, original_message_id, from_actr_id, to_actr_id, raw_bytes, error_message, "          \
    "error_category, trace_id, request_id, created_at, redrive_attempts, last_redrive_at, " \
    "context"

enum dlq_stmt { ST_PUT, ST_PUT_ONCE, ST_QUERY, ST_GET, ST_DELETE, ST_REDRIVE, ST_TOTALS,
                ST_CATEGORIES, ST_COUNT };

#define INSERT_SQL                                                                             \
    "INSERT INTO dead_letter_queue (id, original_message_id, from_actr_id, to_actr_id, "      \
    "raw_bytes, error_message, error_category, trace_id, request_id, created_at, context) " \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_PUT] = INSERT_SQL,
    [ST_PUT_ONCE] = INSERT_SQL " ON CONFLICT(id) DO NOTHING",
    /* A NULL parameter disables its filter, so one statement serves every combination. */
    [ST_QUERY] = "SELECT " RECORD_COLUMNS " FROM dead_letter_queue "
                 "WHERE (?1 IS NULL OR error_category = ?1) AND (?2 IS NULL OR trace_id = ?2) "
                 "AND (?3 IS NULL OR from_actr_id = ?3) AND (?4 IS NULL OR created_at > ?4) "
                 "ORDER BY created_at DESC, rowid DESC LIMIT ?5",
    [ST_GET] = "SELECT " RECORD_COLUMNS " FROM dead_letter_queue WHERE id = ?1",
    [ST_DELETE] = "DELETE FROM dead_letter_queue WHERE id = ?1",
    [ST_REDRIVE] = "UPDATE dead_letter_queue SET redrive_attempts = redrive_attempts + 1, "
                   "last_redrive_at = ?2 WHERE id = ?1",
    [ST_TOTALS] = "SELECT COUNT(*), COALESCE(SUM(redrive_attempts > 0), 0), MIN(created_at) "
                  "FROM dead_letter_queue",
    [ST_CATEGORIES] = "SELECT error_category, COUNT(*) FROM dead_letter_queue "
                      "GROUP BY error_category ORDER BY error_category",
};

struct actr_dlq {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    actr_sqlw_t *writer;
};

/* ---- records ---- */

void actr_dlq_record_clear(actr_dlq_record_t *rec)
{
    if (!rec)
        return;
    free(rec->original_message_id);
    free(rec->error_message);
    free(rec->error_category);
    free(rec->trace_id);
    free(rec->request_id);
    free(rec->context);
    actr_buf_release(&rec->from);
    actr_buf_release(&rec->to);
    actr_buf_release(&rec->raw);
    *rec = (actr_dlq_record_t){0};
}

void actr_dlq_list_free(actr_dlq_list_t *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        actr_dlq_record_clear(&list->items[i]);
    free(list->items);
    *list = (actr_dlq_list_t){0};
}

void actr_dlq_stats_clear(actr_dlq_stats_t *stats)
{
    if (!stats)
        return;
    for (size_t i = 0; i < stats->ncategories; i++)
        free(stats->by_category[i].category);
    free(stats->by_category);
    *stats = (actr_dlq_stats_t){0};
}

/* Reads one row of RECORD_COLUMNS. */
static int read_record(sqlite3_stmt *st, actr_dlq_record_t *rec)
{
    *rec = (actr_dlq_record_t){0};
    const unsigned char *id = sqlite3_column_text(st, 0);
    snprintf(rec->id, sizeof rec->id, "%s", id ? (const char *)id : "");
    int rc = actr_sql_column_strdup(st, 1, &rec->original_message_id);
    if (rc == 0)
        rc = actr_sql_column_buf(st, 2, &rec->from);
    if (rc == 0)
        rc = actr_sql_column_buf(st, 3, &rec->to);
    if (rc == 0)
        rc = actr_sql_column_buf(st, 4, &rec->raw);
    if (rc == 0)
        rc = actr_sql_column_strdup(st, 5, &rec->error_message);
    if (rc == 0)
        rc = actr_sql_column_strdup(st, 6, &rec->error_category);
    if (rc == 0)
        rc = actr_sql_column_strdup(st, 7, &rec->trace_id);
    if (rc == 0)
        rc = actr_sql_column_strdup(st, 8, &rec->request_id);
    if (rc == 0)
        rc = actr_sql_column_strdup(st, 12, &rec->context);
    rec->created_at_ms = actr_sql_column_time(st, 9);
    rec->redrive_attempts = (uint32_t)sqlite3_column_int64(st, 10);
    rec->last_redrive_at_ms = actr_sql_column_time(st, 11);
    if (rc != 0)
        actr_dlq_record_clear(rec);
    return rc;
}

/* ---- jobs ---- */

enum job_kind { JOB_PUT, JOB_QUERY, JOB_GET, JOB_DELETE, JOB_REDRIVE, JOB_STATS };

typedef struct dlq_job {
    actr_sqlw_job_t base; /* first member: the writer hands us &base */
    actr_dlq_t *dlq;
    int kind;
    const char *id;
    const actr_dlq_entry_t *entry;
    int once;
    const actr_dlq_query_t *query;
    actr_dlq_list_t *list;
    actr_dlq_record_t *rec;
    actr_dlq_stats_t *stats;
    int found; /* get/delete/redrive: a row matched (absence is a result, not a failure) */
} dlq_job_t;

static int job_fail(dlq_job_t *job, sqlite3_stmt *st, int src, const char *what)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return actr_sql_fail(&job->base.err, job->dlq->db, src, what);
}

static int run_put(dlq_job_t *job)
{
    const actr_dlq_entry_t *e = job->entry;
    sqlite3_stmt *st = job->dlq->st[job->once ? ST_PUT_ONCE : ST_PUT];
    char created[ACTR_RFC3339_MS_LEN + 1];
    actr_sql_time_text(actr_clock_wall_ms(), created);
    int src = actr_sql_bind_text(st, 1, job->id);
    if (src == SQLITE_OK)
        src = actr_sql_bind_text(st, 2, e->original_message_id);
    if (src == SQLITE_OK)
        src = actr_sql_bind_opt_blob(st, 3, e->from, e->from_len);
    if (src == SQLITE_OK)
        src = actr_sql_bind_opt_blob(st, 4, e->to, e->to_len);
    if (src == SQLITE_OK)
        src = actr_sql_bind_blob(st, 5, e->raw, e->raw_len);
    if (src == SQLITE_OK)
        src = actr_sql_bind_text(st, 6, e->error_message);
    if (src == SQLITE_OK)
        src = actr_sql_bind_text(st, 7, e->error_category);
    if (src == SQLITE_OK)
        src = actr_sql_bind_text(st, 8, e->trace_id);
    if (src == SQLITE_OK)
        src = actr_sql_bind_text(st, 9, e->request_id);
    if (src == SQLITE_OK)
        src = actr_sql_bind_text(st, 10, created);
    if (src == SQLITE_OK)
        src = actr_sql_bind_text(st, 11, e->context);
    if (src == SQLITE_OK)
        src = actr_sql_step_done(st);
    return src == SQLITE_OK ? 0 : job_fail(job, st, src, "dlq put");
}

static int append_record(actr_dlq_list_t *list, size_t *cap, sqlite3_stmt *st)
{
    if (list->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        actr_dlq_record_t *items = realloc(list->items, ncap * sizeof *items);
        if (!items)
            return ACTR_ENOMEM;
        list->items = items;
        *cap = ncap;
    }
    int rc = read_record(st, &list->items[list->count]);
    if (rc == 0)
        list->count++;
    return rc;
}

static int run_query(dlq_job_t *job)
{
    const actr_dlq_query_t *q = job->query;
    sqlite3_stmt *st = job->dlq->st[ST_QUERY];
    char after[ACTR_RFC3339_MS_LEN + 1];
    actr_dlq_list_free(job->list); /* a retried round starts over */
    int src = actr_sql_bind_text(st, 1, q->category);
    if (src == SQLITE_OK)
        src = actr_sql_bind_text(st, 2, q->trace_id);
    if (src == SQLITE_OK)
        src = actr_sql_bind_opt_blob(st, 3, q->from, q->from_len);
    if (src == SQLITE_OK && q->created_after_ms != 0) {
        actr_sql_time_text(q->created_after_ms, after);
        src = sqlite3_bind_text(st, 4, after, -1, SQLITE_STATIC);
    }
    if (src == SQLITE_OK)
        src = sqlite3_bind_int64(st, 5, q->limit ? (sqlite3_int64)q->limit : -1);
    size_t cap = 0;
    int rc = 0;
    while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = append_record(job->list, &cap, st)) != 0)
            break;
        src = SQLITE_OK;
    }
    if (rc != 0 || src != SQLITE_DONE) {
        actr_dlq_list_free(job->list);
        if (rc != 0) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return actr_error_set(&job->base.err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
        }
        return job_fail(job, st, src, "dlq query");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return 0;
}

static int run_get(dlq_job_t *job)
{
    sqlite3_stmt *st = job->dlq->st[ST_GET];
    actr_dlq_record_clear(job->rec);
    job->found = 0;
    int src = actr_sql_bind_text(st, 1, job->id);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        job->found = 1;
        if (read_record(st, job->rec) != 0) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return actr_error_set(&job->base.err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0,
                                  "out of memory");
        }
        src = SQLITE_DONE;
    }
    if (src != SQLITE_DONE)
        return job_fail(job, st, src, "dlq get");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return 0;
}

/* delete and redrive: one row by id, found when it changed. */
static int run_change(dlq_job_t *job, int which)
{
    sqlite3_stmt *st = job->dlq->st[which];
    char now[ACTR_RFC3339_MS_LEN + 1];
    int src = actr_sql_bind_text(st, 1, job->id);
    if (src == SQLITE_OK && which == ST_REDRIVE) {
        actr_sql_time_text(actr_clock_wall_ms(), now);
        src = sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    }
    if (src == SQLITE_OK)
        src = actr_sql_step_done(st);
    if (src != SQLITE_OK)
        return job_fail(job, st, src, which == ST_DELETE ? "dlq delete" : "dlq redrive");
    job->found = sqlite3_changes(job->dlq->db) > 0;
    return 0;
}

static int read_categories(dlq_job_t *job, actr_dlq_stats_t *out)
{
    sqlite3_stmt *st = job->dlq->st[ST_CATEGORIES];
    size_t cap = 0;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->ncategories == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            actr_dlq_category_count_t *c = realloc(out->by_category, ncap * sizeof *c);
            if (!c)
                break;
            out->by_category = c;
            cap = ncap;
        }
        actr_dlq_category_count_t *c = &out->by_category[out->ncategories];
        if (actr_sql_column_strdup(st, 0, &c->category) != 0 || !c->category)
            break;
        c->count = (uint64_t)sqlite3_column_int64(st, 1);
        out->ncategories++;
    }
    if (src == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (src == SQLITE_ROW) {
        sqlite3_reset(st);
        return actr_error_set(&job->base.err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0,
                              "out of memory");
    }
    return job_fail(job, st, src, "dlq stats");
}

static int run_stats(dlq_job_t *job)
{
    actr_dlq_stats_t *out = job->stats;
    actr_dlq_stats_clear(out);
    sqlite3_stmt *st = job->dlq->st[ST_TOTALS];
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW)
        return job_fail(job, st, src, "dlq stats");
    out->total = (uint64_t)sqlite3_column_int64(st, 0);
    out->with_redrive_attempts = (uint64_t)sqlite3_column_int64(st, 1);
    out->oldest_at_ms = actr_sql_column_time(st, 2);
    sqlite3_reset(st);
    int rc = read_categories(job, out);
    if (rc != 0)
        actr_dlq_stats_clear(out);
    return rc;
}

static int job_run(sqlite3 *db, actr_sqlw_job_t *base)
{
    (void)db;
    dlq_job_t *job = (dlq_job_t *)base;
    switch (job->kind) {
    case JOB_PUT:
        return run_put(job);
    case JOB_QUERY:
        return run_query(job);
    case JOB_GET:
        return run_get(job);
    case JOB_DELETE:
        return run_change(job, ST_DELETE);
    case JOB_REDRIVE:
        return run_change(job, ST_REDRIVE);
    default:
        return run_stats(job);
    }
}

/* Runs a job on the writer thread and waits; failures land in err. */
static int run_job(actr_dlq_t *dlq, dlq_job_t *job, actr_error_t *err)
{
    job->base.run = job_run;
    job->dlq = dlq;
    int rc = actr_sqlw_run(dlq->writer, &job->base);
    if (rc != 0)
        actr_error_set(err, rc, job->base.err.kind, 0, "%s", job->base.err.message);
    return rc;
}

static int not_found(const char *id, actr_error_t *err)
{
    return actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, 0, "no dlq record %.64s", id);
}

static int bad_arg(const char *op, actr_error_t *err)
{
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "dlq %s: invalid argument", op);
}

/* ---- operations ---- */

static int check_entry(const actr_dlq_entry_t *e)
{
    return e && e->error_message && e->error_category && *e->error_category && e->trace_id &&
           (e->raw || e->raw_len == 0) && (e->from || e->from_len == 0) &&
           (e->to || e->to_len == 0);
}

static int put(actr_dlq_t *dlq, const char *id, int once, const actr_dlq_entry_t *entry,
               actr_error_t *err)
{
    dlq_job_t job = {.kind = JOB_PUT, .id = id, .entry = entry, .once = once};
    return run_job(dlq, &job, err);
}

int actr_dlq_put(actr_dlq_t *dlq, const actr_dlq_entry_t *entry,
                 char id_out[ACTR_DLQ_ID_STR_LEN + 1], actr_error_t *err)
{
    if (!dlq || !check_entry(entry))
        return bad_arg("put", err);
    actr_uuid_t uuid;
    char id[ACTR_UUID_STR_LEN + 1];
    int rc = actr_uuid_v4(&uuid);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "dlq put: no randomness");
    actr_uuid_format(&uuid, id);
    if ((rc = put(dlq, id, 0, entry, err)) == 0 && id_out)
        memcpy(id_out, id, sizeof id);
    return rc;
}

int actr_dlq_put_once(actr_dlq_t *dlq, const char *id, const actr_dlq_entry_t *entry,
                      actr_error_t *err)
{
    if (!dlq || !id || !check_entry(entry))
        return bad_arg("put", err);
    return put(dlq, id, 1, entry, err);
}

int actr_dlq_query(actr_dlq_t *dlq, const actr_dlq_query_t *query, actr_dlq_list_t *out,
                   actr_error_t *err)
{
    if (out)
        *out = (actr_dlq_list_t){0};
    static const actr_dlq_query_t all = {0};
    if (!dlq || !out || (query && !query->from && query->from_len > 0))
        return bad_arg("query", err);
    dlq_job_t job = {.kind = JOB_QUERY, .query = query ? query : &all, .list = out};
    return run_job(dlq, &job, err);
}

int actr_dlq_get(actr_dlq_t *dlq, const char *id, actr_dlq_record_t *out, actr_error_t *err)
{
    if (out)
        *out = (actr_dlq_record_t){0};
    if (!dlq || !id || !out)
        return bad_arg("get", err);
    dlq_job_t job = {.kind = JOB_GET, .id = id, .rec = out};
    int rc = run_job(dlq, &job, err);
    return rc == 0 && !job.found ? not_found(id, err) : rc;
}

static int change(actr_dlq_t *dlq, int kind, const char *id, actr_error_t *err)
{
    if (!dlq || !id)
        return bad_arg(kind == JOB_DELETE ? "delete" : "redrive", err);
    dlq_job_t job = {.kind = kind, .id = id};
    int rc = run_job(dlq, &job, err);
    return rc == 0 && !job.found ? not_found(id, err) : rc;
}

int actr_dlq_delete(actr_dlq_t *dlq, const char *id, actr_error_t *err)
{
    return change(dlq, JOB_DELETE, id, err);
}

int actr_dlq_record_redrive_attempt(actr_dlq_t *dlq, const char *id, actr_error_t *err)
{
    return change(dlq, JOB_REDRIVE, id, err);
}

int actr_dlq_stats(actr_dlq_t *dlq, actr_dlq_stats_t *out, actr_error_t *err)
{
    if (out)
        *out = (actr_dlq_stats_t){0};
    if (!dlq || !out)
        return bad_arg("stats", err);
    dlq_job_t job = {.kind = JOB_STATS, .stats = out};
    return run_job(dlq, &job, err);
}

int actr_dlq_path_for_mailbox(const char *mailbox_path, char *out, size_t cap)
{
    if (!mailbox_path || !out)
        return ACTR_EINVAL;
    int n = snprintf(out, cap, "%s.dlq", mailbox_path);
    return n < 0 || (size_t)n >= cap ? ACTR_ERANGE : 0;
}

/* ---- open / close ---- */

static int setup_schema(sqlite3 *db, const char *path, actr_error_t *err)
{
    int version = 0;
    int src = actr_sql_user_version(db, &version);
    if (src != SQLITE_OK)
        return actr_sql_fail(err, db, src, "reading the dlq schema version");
    if (version > DLQ_SCHEMA_VERSION)
        return actr_error_set(err, ACTR_EUNSUPPORTED, ACTR_KIND_CLIENT, 0,
                              "dlq %s has schema version %d; this build knows up to %d",
                              path ? path : ":memory:", version, DLQ_SCHEMA_VERSION);
    char sql[sizeof schema_sql + 64];
    snprintf(sql, sizeof sql, "BEGIN IMMEDIATE;%sPRAGMA user_version = %d;COMMIT;", schema_sql,
             DLQ_SCHEMA_VERSION);
    int rc = actr_sql_exec(db, sql, "creating the dlq schema", err);
    if (rc != 0 && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void dlq_free(actr_dlq_t *dlq)
{
    actr_sqlw_stop(dlq->writer);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(dlq->st[i]);
    sqlite3_close(dlq->db);
    free(dlq);
}

int actr_dlq_open(const char *path, actr_dlq_t **out, actr_error_t *err)
{
    if (out)
        *out = NULL;
    if (!out)
        return bad_arg("open", err);
    actr_dlq_t *dlq = calloc(1, sizeof *dlq);
    if (!dlq)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    /* Dead letters are rare and precious: always synchronous=FULL. */
    int rc = actr_sql_open(path, "dlq", 1, NULL, &dlq->db, err);
    if (rc == 0)
        rc = setup_schema(dlq->db, path, err);
    for (int i = 0; rc == 0 && i < ST_COUNT; i++) {
        int src = sqlite3_prepare_v3(dlq->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                     &dlq->st[i], NULL);
        if (src != SQLITE_OK)
            rc = actr_sql_fail(err, dlq->db, src, "preparing dlq statements");
    }
    if (rc == 0 &&
        (rc = actr_sqlw_start(dlq->db, DLQ_WRITE_QUEUE, DLQ_FULL_TIMEOUT_MS, &dlq->writer)) != 0)
        actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot start the dlq writer");
    if (rc != 0) {
        dlq_free(dlq);
        return rc;
    }
    *out = dlq;
    return 0;
}

void actr_dlq_close(actr_dlq_t *dlq)
{
    if (dlq)
        dlq_free(dlq);
}
