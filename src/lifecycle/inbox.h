/*
 * inbox.h - one actor's in-memory inbox: an intrusive lock-free MPSC FIFO (D. Vyukov's
 * node-based queue: one atomic exchange per push, no allocation) with a bound on ordinary
 * messages (docs/RUNTIME.md §5 "Backpressure").
 *
 * Two kinds of items go in:
 *   - counted items (in-process calls and tells) first reserve one of `capacity` places with
 *     actr_inbox_reserve(). Full policy: the sender WAITS up to its deadline for a place, then
 *     gets ACTR_EAGAIN (the reference's in-process channel also waits when full).
 *   - runtime items (lifecycle entries, hook events, async completions, the stop barrier) skip
 *     the bound: they are bounded elsewhere (hooks by their own queue cap, completions by the
 *     number of pending calls) and must never be refused.
 *
 * Consumer: whoever owns the actor's serial context (one worker at a time); it frees places with
 * actr_inbox_release() once per batch, waking waiting senders.
 *
 * Close: actr_inbox_close() refuses further reservations (ACTR_ECLOSED, also for waiting
 * senders). Reservations taken before the close are still honoured: actr_inbox_reserved() tells
 * the consumer how many are outstanding (pushed or about to be).
 */
#ifndef ACTR_LIFECYCLE_INBOX_H
#define ACTR_LIFECYCLE_INBOX_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct actr_inbox_item {
    _Atomic(struct actr_inbox_item *) next;
} actr_inbox_item_t;

typedef struct actr_inbox {
    alignas(64) _Atomic(actr_inbox_item_t *) tail; /* producers */
    _Atomic uint64_t count;                         /* reservations | CLOSED bit */
    alignas(64) actr_inbox_item_t *head;            /* consumer */
    actr_inbox_item_t stub;
    alignas(64) _Atomic uint32_t waiters;           /* senders sleeping on space */
    uint32_t capacity;
    pthread_mutex_t lock;
    pthread_cond_t space;
} actr_inbox_t;

int actr_inbox_init(actr_inbox_t *q, uint32_t capacity);
/* No thread may use the inbox any more; items still inside are the caller's to drain first. */
void actr_inbox_destroy(actr_inbox_t *q);

/*
 * Takes one place for a counted item. A full inbox is waited for up to timeout_ms (<= 0: not
 * at all; the clock is read only then). Returns 0, ACTR_EAGAIN (still full) or ACTR_ECLOSED.
 */
int actr_inbox_reserve(actr_inbox_t *q, int64_t timeout_ms);

/* Takes n places at once, or none: 0, ACTR_EAGAIN (fewer than n free) or ACTR_ECLOSED. Never
 * waits. */
int actr_inbox_reserve_n(actr_inbox_t *q, uint32_t n);

/* Gives back a place that was reserved but will not be pushed (the send failed later). */
void actr_inbox_unreserve(actr_inbox_t *q);
/* Gives back n such places. */
void actr_inbox_unreserve_n(actr_inbox_t *q, uint32_t n);

/* Appends an item (after a reservation for counted items). Any thread, never blocks. */
void actr_inbox_push(actr_inbox_t *q, actr_inbox_item_t *item);

/* Appends a chain first..last already linked through `next` (one exchange for all). */
void actr_inbox_push_chain(actr_inbox_t *q, actr_inbox_item_t *first, actr_inbox_item_t *last);

/* Consumer: the oldest item, or NULL when empty or when the next producer is mid-push (that
 * producer checks the actor's scheduled flag after linking, see actor.c). */
actr_inbox_item_t *actr_inbox_pop(actr_inbox_t *q);

/* Consumer: whether actr_inbox_pop() would return an item now. */
bool actr_inbox_ready(actr_inbox_t *q);

/*
 * Handing the queue over. A consumer about to give up the queue (to whichever thread is
 * scheduled next) takes actr_inbox_mark() while it still owns it: the queue is empty exactly
 * when the tail equals that mark. After giving up it may only compare actr_inbox_tail() with the
 * mark (one atomic load, nothing dereferenced): "different" means a push it has not consumed,
 * linked or still in flight.
 */
const actr_inbox_item_t *actr_inbox_mark(actr_inbox_t *q);
const actr_inbox_item_t *actr_inbox_tail(actr_inbox_t *q);

/* Consumer: frees n places of consumed counted items; waiting senders are woken once the inbox
 * is at most half full. */
void actr_inbox_release(actr_inbox_t *q, uint32_t n);

/* Refuses new reservations and wakes waiting senders. Idempotent. */
void actr_inbox_close(actr_inbox_t *q);

/* Reservations not yet released (pushed or about to be pushed, or not yet consumed). */
uint64_t actr_inbox_reserved(actr_inbox_t *q);

#endif /* ACTR_LIFECYCLE_INBOX_H */
