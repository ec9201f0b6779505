/*
 * mailbox.h - an actor's inbound message queue, durable when given a path
 * (spec: runtime.md 11; design and guarantees: docs/MAILBOX.md).
 *
 *   actr_mailbox_t *mb;
 *   actr_mailbox_open("/var/lib/actr/node.mailbox", NULL, &mb, &err);
 *   actr_mailbox_enqueue(mb, from, from_len, &payload, ACTR_MSG_NORMAL, &id, &err);
 *   ...
 *   actr_mailbox_msg_t batch[32];
 *   size_t n;
 *   if (actr_mailbox_dequeue_wait(mb, batch, 32, &n, 1000, &err) == 0) {
 *       for (size_t i = 0; i < n; i++) {
 *           handle(&batch[i]);
 *           actr_mailbox_ack(mb, &batch[i].id, 1, &err);
 *       }
 *       actr_mailbox_msgs_release(batch, n);
 *   }
 *   actr_mailbox_close(mb);
 *
 * Order: HIGH before NORMAL; first in, first out within a priority (for one producer always;
 * across producers, in the order their enqueues committed).
 *
 * Durable mode (a file path): SQLite in WAL mode, written by one writer thread with group commit.
 * actr_mailbox_enqueue() returns only after the message's row is committed, so a message whose
 * enqueue succeeded survives kill -9 (and power loss with ACTR_MAILBOX_SYNC_FULL, the default).
 * A dequeued message is marked in flight, with its delivery counted, before dequeue returns.
 * Messages left in flight by a process that died are queued again when the mailbox is next
 * opened; one that has been delivered max_attempts times without an ack is moved to the
 * dead-letter queue (category "poison") instead. Delivery is therefore at least once: a message
 * is redelivered if the process dies before its ack is durable (see actr_mailbox_flush()).
 *
 * In-memory mode (path NULL or ":memory:"): the same queue and the same semantics, without
 * SQLite; nothing survives the process.
 *
 * The queue itself is unbounded, as in the reference; the depth observer is the back-pressure
 * signal (spec 10.5). The queue of pending writes in front of the writer thread is bounded: when
 * it is full a producer waits up to full_timeout_ms, then gets ACTR_EAGAIN.
 *
 * Thread safety: every function may be called from any thread, concurrently, except
 * actr_mailbox_close().
 */
#ifndef ACTR_MAILBOX_H
#define ACTR_MAILBOX_H

#include <stdbool.h>

#include "actr/buf.h"
#include "actr/common.h"
#include "actr/dlq.h"
#include "actr/error.h"

ACTR_BEGIN_DECLS

typedef struct actr_mailbox actr_mailbox_t;

/* Stored as 0 / 1, as in the reference. */
typedef enum actr_msg_priority {
    ACTR_MSG_NORMAL = 0,
    ACTR_MSG_HIGH = 1,
} actr_msg_priority_t;

/* A message id: a random (version 4) UUID, stored as its 36-character text. */
typedef struct actr_mailbox_id {
    uint8_t bytes[16];
} actr_mailbox_id_t;

#define ACTR_MAILBOX_ID_STR_LEN 36

/* Largest payload (and sender id) accepted: ACTR_ETOOBIG beyond. */
#define ACTR_MAILBOX_MAX_PAYLOAD ((size_t)64 << 20)

typedef enum actr_mailbox_sync {
    /* PRAGMA synchronous=FULL: every group commit fsyncs the WAL; survives power loss. */
    ACTR_MAILBOX_SYNC_FULL = 0,
    /* PRAGMA synchronous=NORMAL: survives a process crash; the last commits may be lost on power
     * loss or an OS crash (the database stays consistent). */
    ACTR_MAILBOX_SYNC_NORMAL = 1,
} actr_mailbox_sync_t;

/* Fill with actr_mailbox_options_init(); 0 in a field means its default. */
typedef struct actr_mailbox_options {
    uint32_t batch_size;           /* most messages one dequeue returns; default 32 */
    uint32_t max_attempts;         /* deliveries before a crashing message is poison; default 5 */
    uint32_t write_queue_capacity; /* pending writes before producers wait; default 1024 */
    uint32_t full_timeout_ms;      /* how long a producer waits for room; default 5000 */
    actr_mailbox_sync_t sync;      /* durable mode only; default FULL */
    const uint8_t *owner;          /* ActrId of the owning actor: the `to` of DLQ records */
    size_t owner_len;              /* (copied at open; optional) */
} actr_mailbox_options_t;

typedef struct actr_mailbox_msg {
    actr_mailbox_id_t id;
    actr_buf_t from;      /* sender's protobuf ActrId (may be empty) */
    actr_buf_t payload;   /* the serialized RpcEnvelope */
    actr_msg_priority_t priority;
    uint32_t attempts;    /* deliveries so far, this one included (1 on first delivery) */
    int64_t created_at_ms; /* enqueue time, Unix ms */
} actr_mailbox_msg_t;

typedef struct actr_mailbox_stats {
    uint64_t queued;        /* waiting to be dequeued */
    uint64_t inflight;      /* dequeued, not yet acknowledged */
    uint64_t queued_high;
    uint64_t queued_normal;
} actr_mailbox_stats_t;

/*
 * Depth observer: called with the number of queued messages after every enqueue, and after
 * every dequeue or release that changed it. Calls are serialised (never two at once, and each
 * reports the depth at the time of the call, so successive values are a true history). It runs
 * on the thread that changed the depth, with no mailbox lock held, and must be quick; it must not
 * enqueue, dequeue, release or change the observer (those calls would wait for it).
 */
typedef void (*actr_mailbox_depth_fn)(uint64_t queued, void *userdata);

ACTR_API void actr_mailbox_options_init(actr_mailbox_options_t *opts);

/*
 * Opens the mailbox at path (durable) or an in-memory one (NULL or ":memory:"); opts may be
 * NULL. A durable mailbox creates its file with mode 0600 (missing directories are not created),
 * opens its dead-letter queue at "<path>.dlq", recovers messages left in flight and loads the
 * queue. Only one handle at a time may have a durable mailbox open: a second one, in this or
 * another process, fails with ACTR_EUNAVAILABLE. Other errors: ACTR_EINVAL, ACTR_ENOTFOUND,
 * ACTR_EPERM, ACTR_EIO (not a database, I/O), ACTR_EUNSUPPORTED (written by a newer Hyper),
 * ACTR_ENOMEM.
 */
ACTR_API int actr_mailbox_open(const char *path, const actr_mailbox_options_t *opts,
                               actr_mailbox_t **out, actr_error_t *err);

/* Wakes every blocked dequeue (ACTR_ECLOSED) and refuses further enqueues and dequeues; acks,
 * releases and flushes still work. Idempotent; any thread. */
ACTR_API void actr_mailbox_shutdown(actr_mailbox_t *mb);

/* Shuts down, commits pending acks, stops the writer and frees the mailbox. No other call may be
 * running on mb. Messages still in flight stay in flight in the file and are redelivered when the
 * mailbox is next opened. NULL is ignored. */
ACTR_API void actr_mailbox_close(actr_mailbox_t *mb);

/* 1 for a file-backed mailbox, 0 for an in-memory one. */
ACTR_API int actr_mailbox_is_durable(const actr_mailbox_t *mb);

/* The mailbox's dead-letter queue (owned by the mailbox; closed with it). */
ACTR_API actr_dlq_t *actr_mailbox_dlq(actr_mailbox_t *mb);

/*
 * Appends a message. from (copied; may be NULL when from_len is 0) is the sender's protobuf
 * ActrId; payload is referenced, not copied (in durable mode its bytes are also written to the
 * file). *id_out (optional) receives the new id. In durable mode the call returns after the row
 * is committed. Errors: ACTR_EINVAL, ACTR_ETOOBIG, ACTR_ECLOSED, ACTR_EAGAIN (the write queue
 * stayed full for full_timeout_ms), ACTR_EIO and other storage errors, ACTR_ENOMEM.
 */
ACTR_API int actr_mailbox_enqueue(actr_mailbox_t *mb, const void *from, size_t from_len,
                                  const actr_buf_t *payload, actr_msg_priority_t priority,
                                  actr_mailbox_id_t *id_out, actr_error_t *err);

/*
 * Completion of actr_mailbox_enqueue_async(): status 0 once the message is committed (and
 * visible to dequeue), else the error (err describes it). Runs on the mailbox's writer thread
 * (in memory mode: inside the enqueue call); it must not block or call back into this mailbox.
 */
typedef void (*actr_mailbox_enqueued_fn)(void *arg, int status, const actr_mailbox_id_t *id,
                                         const actr_error_t *err);

/*
 * As actr_mailbox_enqueue(), but returns once the message is queued for writing: done() reports
 * the commit. Many such enqueues share one group commit, so an event loop can persist a stream
 * of inbound messages without waiting for each fsync. Errors returned here mean done() will not
 * run; ACTR_EAGAIN when the write queue stayed full for full_timeout_ms.
 */
ACTR_API int actr_mailbox_enqueue_async(actr_mailbox_t *mb, const void *from, size_t from_len,
                                        const actr_buf_t *payload, actr_msg_priority_t priority,
                                        actr_mailbox_enqueued_fn done, void *arg,
                                        actr_error_t *err);

/*
 * Takes up to min(cap, batch_size) queued messages, HIGH first, marks them in flight and fills
 * out[0..*count). Does not wait: *count is 0 when the queue is empty. The caller owns the
 * buffers in out (actr_mailbox_msgs_release()) and must ack or release every message.
 * Errors: ACTR_EINVAL, ACTR_ECLOSED, storage errors (the messages then stay queued).
 */
ACTR_API int actr_mailbox_dequeue(actr_mailbox_t *mb, actr_mailbox_msg_t *out, size_t cap,
                                  size_t *count, actr_error_t *err);

/*
 * As actr_mailbox_dequeue(), but sleeps until a message arrives (woken by the enqueue itself, no
 * polling), the mailbox shuts down (ACTR_ECLOSED) or timeout_ms passes (ACTR_ETIMEDOUT; a
 * negative timeout waits forever). On success *count >= 1.
 */
ACTR_API int actr_mailbox_dequeue_wait(actr_mailbox_t *mb, actr_mailbox_msg_t *out, size_t cap,
                                       size_t *count, int64_t timeout_ms, actr_error_t *err);

/* Releases the buffers of n dequeued messages (not an ack). */
ACTR_API void actr_mailbox_msgs_release(actr_mailbox_msg_t *msgs, size_t n);

/*
 * Acknowledges (permanently deletes) n in-flight messages. The messages leave the queue at once;
 * in durable mode the deletes are committed by the writer with the next group commit, without
 * waiting: call actr_mailbox_flush() when the ack must be durable before going on. Every id is
 * processed; the first error is returned: ACTR_ENOTFOUND (unknown id), ACTR_ESTATE (not in
 * flight), ACTR_EAGAIN (write queue full).
 */
ACTR_API int actr_mailbox_ack(actr_mailbox_t *mb, const actr_mailbox_id_t *ids, size_t n,
                              actr_error_t *err);

/*
 * Gives n in-flight messages back undelivered (e.g. a batch cut short by shutdown): they are
 * queued again at their original place and the delivery is not counted. Persisted like acks.
 * Errors as for actr_mailbox_ack().
 */
ACTR_API int actr_mailbox_release(actr_mailbox_t *mb, const actr_mailbox_id_t *ids, size_t n,
                                  actr_error_t *err);

/* Waits until every write submitted before the call is committed. In-memory mode: returns 0. */
ACTR_API int actr_mailbox_flush(actr_mailbox_t *mb, actr_error_t *err);

/* Counters kept in memory: no query runs. */
ACTR_API int actr_mailbox_stats(actr_mailbox_t *mb, actr_mailbox_stats_t *out);

/* Installs (or with fn NULL removes) the depth observer. Returns 0 (supported). */
ACTR_API int actr_mailbox_set_depth_observer(actr_mailbox_t *mb, actr_mailbox_depth_fn fn,
                                             void *userdata);

/*
 * Redrive: moves DLQ record dlq_id of this mailbox's DLQ back into the mailbox. Counts the
 * attempt on the record, enqueues its raw bytes (from = the record's from; priority HIGH when
 * its context says "priority":"high"), then deletes the record. If the process dies between the
 * enqueue and the delete, the message is in both places (never in neither). *new_id (optional)
 * receives the new message id. Errors: ACTR_ENOTFOUND, and those of enqueue.
 */
ACTR_API int actr_mailbox_redrive(actr_mailbox_t *mb, const char *dlq_id,
                                  actr_mailbox_id_t *new_id, actr_error_t *err);

/* 36-character lowercase text of id plus a NUL. */
ACTR_API void actr_mailbox_id_format(const actr_mailbox_id_t *id,
                                     char out[ACTR_MAILBOX_ID_STR_LEN + 1]);

/* Parses exactly len characters of UUID text. Returns 0, ACTR_EPARSE or ACTR_EINVAL. */
ACTR_API int actr_mailbox_id_parse(const char *text, size_t len, actr_mailbox_id_t *out);

ACTR_END_DECLS

#endif /* ACTR_MAILBOX_H */
