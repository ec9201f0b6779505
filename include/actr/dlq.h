/*
 * dlq.h - the dead-letter queue: messages the runtime could not process, kept for an operator
 * (spec: runtime.md 11.3; design: docs/MAILBOX.md).
 *
 *   actr_dlq_t *dlq;
 *   actr_dlq_open("/var/lib/actr/node.mailbox.dlq", &dlq, &err);
 *   actr_dlq_query_t q = {.category = "protobuf_decode", .limit = 20};
 *   actr_dlq_list_t list;
 *   if (actr_dlq_query(dlq, &q, &list, &err) == 0) {
 *       for (size_t i = 0; i < list.count; i++) printf("%s\n", list.items[i].id);
 *       actr_dlq_list_free(&list);
 *   }
 *   actr_dlq_close(dlq);
 *
 * A DLQ is one SQLite file (WAL) with the reference's table, normally the mailbox path plus
 * ".dlq", or an in-memory database (path NULL or ":memory:"). Every operation runs on the
 * handle's writer thread (one connection, group commit); a write has been committed when the call
 * returns. Several processes may open the same file (an operator's CLI next to a running node):
 * SQLite's WAL locking and a busy timeout coordinate them.
 *
 * Thread safety: any number of threads may use one handle at once.
 * Strings: UTF-8, NUL-terminated. Record ids are UUID text (36 characters).
 */
#ifndef ACTR_DLQ_H
#define ACTR_DLQ_H

#include <stdbool.h>

#include "actr/buf.h"
#include "actr/common.h"
#include "actr/error.h"

ACTR_BEGIN_DECLS

typedef struct actr_dlq actr_dlq_t;

#define ACTR_DLQ_ID_STR_LEN 36 /* UUID text, without the NUL */

/* Categories written by Hyper itself. Any other non-empty string is allowed too. */
#define ACTR_DLQ_CATEGORY_DECODE "protobuf_decode" /* payload is not an RpcEnvelope */
#define ACTR_DLQ_CATEGORY_POISON "poison" /* redelivered too often: it stops the process */

/* What to store. Everything is borrowed for the call; optional fields may be NULL (from, to,
 * original_message_id, request_id, context) or empty. raw may be empty. */
typedef struct actr_dlq_entry {
    const char *original_message_id; /* the mailbox message id, if there was one */
    const uint8_t *from;             /* protobuf ActrId of the sender */
    size_t from_len;
    const uint8_t *to;               /* protobuf ActrId of the receiver */
    size_t to_len;
    const uint8_t *raw;              /* the bytes that could not be processed */
    size_t raw_len;
    const char *error_message;       /* required, may be "" */
    const char *error_category;      /* required, non-empty */
    const char *trace_id;            /* required, may be "" */
    const char *request_id;
    const char *context;             /* JSON text */
} actr_dlq_entry_t;

/* A stored record. Owned by the caller: free with actr_dlq_record_clear() (or through the list
 * that holds it). Optional text fields are NULL when absent; from/to are empty when absent. */
typedef struct actr_dlq_record {
    char id[ACTR_DLQ_ID_STR_LEN + 1];
    char *original_message_id;
    actr_buf_t from;
    actr_buf_t to;
    actr_buf_t raw;
    char *error_message;
    char *error_category;
    char *trace_id;
    char *request_id;
    char *context;
    int64_t created_at_ms;       /* Unix ms, UTC */
    uint32_t redrive_attempts;
    int64_t last_redrive_at_ms;  /* 0 when never redriven */
} actr_dlq_record_t;

typedef struct actr_dlq_list {
    actr_dlq_record_t *items;
    size_t count;
} actr_dlq_list_t;

/* Filters of actr_dlq_query(); every field is optional (NULL / 0 = no filter). Zero-initialise. */
typedef struct actr_dlq_query {
    const char *category;
    const char *trace_id;
    const uint8_t *from; /* exact bytes of the sender's ActrId */
    size_t from_len;
    int64_t created_after_ms; /* records created strictly after this Unix ms; 0 = any */
    uint32_t limit;           /* 0 = no limit */
} actr_dlq_query_t;

typedef struct actr_dlq_category_count {
    char *category;
    uint64_t count;
} actr_dlq_category_count_t;

/* Free with actr_dlq_stats_clear(). */
typedef struct actr_dlq_stats {
    uint64_t total;
    uint64_t with_redrive_attempts;
    int64_t oldest_at_ms; /* 0 when empty */
    actr_dlq_category_count_t *by_category; /* sorted by category */
    size_t ncategories;
} actr_dlq_stats_t;

/*
 * Opens (creating if needed, mode 0600) the DLQ at path, or an in-memory one for NULL or
 * ":memory:". Missing directories are not created. Errors: ACTR_ENOTFOUND, ACTR_EPERM, ACTR_EIO
 * (not a database), ACTR_EUNSUPPORTED (written by a newer Hyper), ACTR_ENOMEM.
 */
ACTR_API int actr_dlq_open(const char *path, actr_dlq_t **out, actr_error_t *err);

/* Stops the writer thread and closes the database. No call may be running on it. NULL is ok. */
ACTR_API void actr_dlq_close(actr_dlq_t *dlq);

/* Writes "<mailbox_path>.dlq" into out (cap bytes). ACTR_ERANGE when it does not fit. */
ACTR_API int actr_dlq_path_for_mailbox(const char *mailbox_path, char *out, size_t cap);

/* Stores a record with a fresh UUID, written into id_out (optional, 37 bytes). */
ACTR_API int actr_dlq_put(actr_dlq_t *dlq, const actr_dlq_entry_t *entry,
                          char id_out[ACTR_DLQ_ID_STR_LEN + 1], actr_error_t *err);

/* Records matching every given filter, newest first. On failure *out is empty. */
ACTR_API int actr_dlq_query(actr_dlq_t *dlq, const actr_dlq_query_t *query, actr_dlq_list_t *out,
                            actr_error_t *err);

/* One record by id; ACTR_ENOTFOUND when absent. On failure *out is cleared. */
ACTR_API int actr_dlq_get(actr_dlq_t *dlq, const char *id, actr_dlq_record_t *out,
                          actr_error_t *err);

/* Deletes one record; ACTR_ENOTFOUND when absent. */
ACTR_API int actr_dlq_delete(actr_dlq_t *dlq, const char *id, actr_error_t *err);

/* Adds one to redrive_attempts and sets last_redrive_at to now; ACTR_ENOTFOUND when absent. */
ACTR_API int actr_dlq_record_redrive_attempt(actr_dlq_t *dlq, const char *id, actr_error_t *err);

ACTR_API int actr_dlq_stats(actr_dlq_t *dlq, actr_dlq_stats_t *out, actr_error_t *err);

ACTR_API void actr_dlq_record_clear(actr_dlq_record_t *rec);
ACTR_API void actr_dlq_list_free(actr_dlq_list_t *list);
ACTR_API void actr_dlq_stats_clear(actr_dlq_stats_t *stats);

ACTR_END_DECLS

#endif /* ACTR_DLQ_H */
