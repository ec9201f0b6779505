/*
 * store.h - the SQLite side of a durable mailbox: the file lock, the schema and its migration,
 * crash recovery, loading the queue, and the row writes the writer thread runs.
 *
 * Table: the reference's `messages` plus two columns (docs/MAILBOX.md):
 *   attempts  deliveries so far; counted when a row is marked in flight, so a message that
 *             kills the process is counted even though nobody acks it (poison detection);
 *   seq       enqueue order; created_at has millisecond resolution and many messages share a
 *             millisecond, so FIFO order across a restart needs its own column.
 * PRAGMA user_version is ACTR_MBSTORE_SCHEMA_VERSION; a reference file (version 0) is migrated.
 */
#ifndef ACTR_MAILBOX_STORE_H
#define ACTR_MAILBOX_STORE_H

#include <sqlite3.h>

#include "actr/dlq.h"
#include "actr/error.h"
#include "mailbox/index.h"

#define ACTR_MBSTORE_SCHEMA_VERSION 1

enum { ACTR_MBSTORE_INSERT, ACTR_MBSTORE_SET_STATE, ACTR_MBSTORE_DELETE, ACTR_MBSTORE_NSTMT };

typedef struct actr_mbstore {
    sqlite3 *db;
    sqlite3_stmt *st[ACTR_MBSTORE_NSTMT];
    int lock_fd;       /* holds the flock that makes us the file's only user */
    uint64_t next_seq; /* next enqueue order; the writer thread's once the writer runs */
} actr_mbstore_t;

typedef struct actr_mbstore_recovery {
    uint64_t requeued; /* rows found in flight and queued again */
    uint64_t poisoned; /* rows moved to the DLQ */
} actr_mbstore_recovery_t;

/* Locks the file (ACTR_EUNAVAILABLE if another handle has it), opens it and migrates the
 * schema. On failure *out is NULL. */
int actr_mbstore_open(const char *path, int sync_full, actr_mbstore_t **out, actr_error_t *err);

void actr_mbstore_close(actr_mbstore_t *s);

/*
 * Crash recovery: every row still in flight (its process died before the ack) is queued again,
 * except one already delivered max_attempts times, which is stored in dlq with category
 * "poison" (to = owner) and deleted. DLQ first, then the mailbox commit: a crash in between
 * redoes the move, and the DLQ stores it once (its record id is the message id).
 */
int actr_mbstore_recover(actr_mbstore_t *s, actr_dlq_t *dlq, uint32_t max_attempts,
                         const uint8_t *owner, size_t owner_len, actr_mbstore_recovery_t *out,
                         actr_error_t *err);

/* Loads every row into ix (in enqueue order) and sets next_seq. */
int actr_mbstore_load(actr_mbstore_t *s, actr_mbix_t *ix, actr_error_t *err);

/* Row writes, inside the writer's transaction. insert assigns node->seq. */
int actr_mbstore_insert(actr_mbstore_t *s, actr_mbix_node_t *node, actr_error_t *err);
int actr_mbstore_set_state(actr_mbstore_t *s, const actr_uuid_t *id, int status,
                           uint32_t attempts, actr_error_t *err);
int actr_mbstore_delete(actr_mbstore_t *s, const actr_uuid_t *id, actr_error_t *err);

#endif /* ACTR_MAILBOX_STORE_H */
