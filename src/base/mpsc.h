/*
 * mpsc.h - bounded multi-producer single-consumer queue of pointers.
 *
 * Lock-free on the fast path (D. Vyukov's bounded queue: one sequence number per cell, a CAS
 * on the enqueue position between producers, no CAS for the single consumer). Any number of
 * threads may push; exactly one thread at a time may pop. Items from one producer come out in
 * the order that producer pushed them. Items are opaque pointers (NULL is a valid item).
 *
 * Full policy: try_push never blocks and never drops. When the queue is full it returns
 * ACTR_EAGAIN and the CALLER decides what full means for its data: wait and retry (block the
 * producer), drop the newest item, or fail the request upstream. Write that choice beside
 * every queue you create (ARCHITECTURE.md section 4).
 *
 * The consumer may sleep in actr_mpsc_pop_wait(): it parks on a condition variable and a
 * producer wakes it only when it is actually waiting, so there is no polling and producers
 * take no lock while the consumer is busy.
 *
 * Shutdown: actr_mpsc_close() makes further pushes fail with ACTR_ECLOSED; the consumer still
 * receives every item whose push returned 0, then gets ACTR_ECLOSED.
 */
#ifndef ACTR_BASE_MPSC_H
#define ACTR_BASE_MPSC_H

#include <stddef.h>
#include <stdint.h>

typedef struct actr_mpsc actr_mpsc_t;

#define ACTR_MPSC_MAX_CAPACITY ((size_t)1 << 30)

/*
 * Creates a queue holding up to capacity items; capacity must be a power of two in
 * [2, ACTR_MPSC_MAX_CAPACITY]. Returns 0, ACTR_EINVAL or ACTR_ENOMEM.
 */
int actr_mpsc_new(size_t capacity, actr_mpsc_t **out);

/* Frees the queue. Items still inside are not touched: drain them first if they own memory.
 * No thread may be using the queue. NULL is ignored. */
void actr_mpsc_free(actr_mpsc_t *q);

/* Appends item. Returns 0, ACTR_EAGAIN when full (see the full policy above) or ACTR_ECLOSED. */
int actr_mpsc_try_push(actr_mpsc_t *q, void *item);

/*
 * Consumer only. Takes the oldest available item. Returns 0, ACTR_EAGAIN when nothing is
 * ready, or ACTR_ECLOSED when the queue is closed and drained.
 */
int actr_mpsc_try_pop(actr_mpsc_t *q, void **item);

/*
 * Consumer only. As try_pop, but sleeps until an item arrives, the queue is closed, or
 * timeout_ms passes (negative: no timeout). Returns 0, ACTR_ETIMEDOUT or ACTR_ECLOSED.
 */
int actr_mpsc_pop_wait(actr_mpsc_t *q, void **item, int64_t timeout_ms);

/* Stops accepting pushes and wakes a waiting consumer. Idempotent; any thread. */
void actr_mpsc_close(actr_mpsc_t *q);

size_t actr_mpsc_capacity(const actr_mpsc_t *q);

/* Number of items pushed and not yet popped; a snapshot while others run. */
size_t actr_mpsc_size(const actr_mpsc_t *q);

#endif /* ACTR_BASE_MPSC_H */
