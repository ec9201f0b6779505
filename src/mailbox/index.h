/*
 * index.h - the in-memory queue of a mailbox: two FIFO lists (HIGH, NORMAL) of queued messages
 * plus a map from id to every message, queued or in flight, and counters.
 *
 * The in-memory mailbox is this structure alone; the durable mailbox keeps it as a mirror of
 * its table (rows enter it only once committed), so dequeue never reads SQLite.
 * Not thread-safe: the mailbox's lock protects it.
 */
#ifndef ACTR_MAILBOX_INDEX_H
#define ACTR_MAILBOX_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "actr/buf.h"
#include "base/hashmap.h"
#include "base/uuid.h"

enum { ACTR_MBIX_QUEUED = 0, ACTR_MBIX_INFLIGHT = 1 };

typedef struct actr_mbix_node {
    actr_uuid_t id;
    actr_buf_t from;
    actr_buf_t payload;
    uint64_t seq;          /* enqueue order; a released message goes back to its place */
    int64_t created_ms;
    uint32_t attempts;     /* deliveries so far */
    uint8_t priority;      /* 0 normal, 1 high */
    uint8_t status;        /* ACTR_MBIX_* */
    struct actr_mbix_node *prev, *next; /* queue links while queued */
} actr_mbix_node_t;

typedef struct actr_mbix {
    actr_mbix_node_t *head[2], *tail[2]; /* queued messages, by priority */
    actr_hmap_t *by_id;                  /* every message */
    uint64_t queued[2];
    uint64_t inflight;
} actr_mbix_t;

int actr_mbix_init(actr_mbix_t *ix);

/* Frees every node and its buffers. */
void actr_mbix_destroy(actr_mbix_t *ix);

/* A node owning from/payload (references taken by the caller). Free with actr_mbix_node_free. */
actr_mbix_node_t *actr_mbix_node_new(const actr_uuid_t *id, actr_buf_t from, actr_buf_t payload,
                                     int priority, int64_t created_ms);
void actr_mbix_node_free(actr_mbix_node_t *node);

/* Adds a queued node behind every node of its priority with a smaller seq (at the tail when its
 * seq is the largest, the usual case). Takes ownership on success; ACTR_EEXIST for a duplicate
 * id, ACTR_ENOMEM. */
int actr_mbix_add(actr_mbix_t *ix, actr_mbix_node_t *node);

/* Moves up to max queued nodes (HIGH first, FIFO) to in flight, counting a delivery on each,
 * and stores them in out. Returns how many. */
size_t actr_mbix_take(actr_mbix_t *ix, actr_mbix_node_t **out, size_t max);

/* Puts an in-flight node back in the queue at its place and uncounts the delivery. */
void actr_mbix_untake(actr_mbix_t *ix, actr_mbix_node_t *node);

/* The node of id, or NULL. */
actr_mbix_node_t *actr_mbix_find(const actr_mbix_t *ix, const actr_uuid_t *id);

/* Removes an in-flight node (ack) and frees it. ACTR_ENOTFOUND or ACTR_ESTATE (still queued). */
int actr_mbix_ack(actr_mbix_t *ix, const actr_uuid_t *id);

static inline uint64_t actr_mbix_queued(const actr_mbix_t *ix)
{
    return ix->queued[0] + ix->queued[1];
}

#endif /* ACTR_MAILBOX_INDEX_H */
