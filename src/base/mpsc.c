/* mpsc.c - Vyukov bounded queue with a close bit and a condvar wakeup for the consumer. */
#include "base/mpsc.h"

#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "actr/error.h"
#include "base/clock.h"

/* Positions are 64-bit so they never wrap; the top bit of enqueue_pos means "closed". */
#define CLOSED_BIT ((uint64_t)1 << 63)
#define CACHE_LINE 64

/*
 * A cell is free for the producer at position p when seq == p, holds the item of position p
 * when seq == p + 1, and becomes free for position p + capacity when the consumer sets
 * seq = p + capacity.
 */
struct cell {
    _Atomic uint64_t seq;
    void *item;
};

struct actr_mpsc {
    alignas(CACHE_LINE) _Atomic uint64_t enqueue_pos; /* shared by producers */
    alignas(CACHE_LINE) _Atomic uint64_t dequeue_pos; /* written by the consumer only */
    alignas(CACHE_LINE) atomic_int waiting;           /* consumer is (about to be) asleep */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    uint64_t mask;
    struct cell *cells;
};

int actr_mpsc_new(size_t capacity, actr_mpsc_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    if (capacity < 2 || capacity > ACTR_MPSC_MAX_CAPACITY || (capacity & (capacity - 1)) != 0)
        return ACTR_EINVAL;
    actr_mpsc_t *q = aligned_alloc(CACHE_LINE, sizeof *q);
    if (!q)
        return ACTR_ENOMEM;
    q->cells = malloc(capacity * sizeof *q->cells);
    if (!q->cells) {
        free(q);
        return ACTR_ENOMEM;
    }
    for (size_t i = 0; i < capacity; i++) {
        atomic_init(&q->cells[i].seq, i);
        q->cells[i].item = NULL;
    }
    q->mask = capacity - 1;
    atomic_init(&q->enqueue_pos, 0);
    atomic_init(&q->dequeue_pos, 0);
    atomic_init(&q->waiting, 0);
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc == 0) {
        /* Timed waits measure the monotonic clock, immune to wall-clock jumps. */
        rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        if (rc == 0)
            rc = pthread_cond_init(&q->wake, &attr);
        pthread_condattr_destroy(&attr);
    }
    if (rc == 0 && (rc = pthread_mutex_init(&q->lock, NULL)) != 0)
        pthread_cond_destroy(&q->wake);
    if (rc != 0) {
        free(q->cells);
        free(q);
        return ACTR_ENOMEM;
    }
    *out = q;
    return 0;
}

void actr_mpsc_free(actr_mpsc_t *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    free(q->cells);
    free(q);
}

/* Taking the lock orders the signal after the consumer's check-then-wait (no lost wakeup). */
static void wake_consumer(actr_mpsc_t *q, int all)
{
    pthread_mutex_lock(&q->lock);
    if (all)
        pthread_cond_broadcast(&q->wake);
    else
        pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
}

int actr_mpsc_try_push(actr_mpsc_t *q, void *item)
{
    uint64_t pos = atomic_load_explicit(&q->enqueue_pos, memory_order_relaxed);
    struct cell *c;
    for (;;) {
        if (pos & CLOSED_BIT)
            return ACTR_ECLOSED;
        c = &q->cells[pos & q->mask];
        uint64_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        int64_t diff = (int64_t)(seq - pos);
        if (diff == 0) {
            /* On failure pos is reloaded, including a freshly set closed bit. */
            if (atomic_compare_exchange_weak_explicit(&q->enqueue_pos, &pos, pos + 1,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed))
                break;
        } else if (diff < 0) {
            return ACTR_EAGAIN; /* the cell still holds an item a full lap behind: full */
        } else {
            pos = atomic_load_explicit(&q->enqueue_pos, memory_order_relaxed);
        }
    }
    c->item = item;
    /*
     * seq_cst publish + seq_cst read of waiting, against the consumer's seq_cst write of
     * waiting + seq_cst read of seq: at least one side sees the other (Dekker), so either the
     * consumer finds the item or this producer sees it waiting and wakes it.
     */
    atomic_store_explicit(&c->seq, pos + 1, memory_order_seq_cst);
    if (atomic_load_explicit(&q->waiting, memory_order_seq_cst))
        wake_consumer(q, 0);
    return 0;
}

int actr_mpsc_try_pop(actr_mpsc_t *q, void **item)
{
    uint64_t pos = atomic_load_explicit(&q->dequeue_pos, memory_order_relaxed);
    struct cell *c = &q->cells[pos & q->mask];
    uint64_t seq = atomic_load_explicit(&c->seq, memory_order_seq_cst);
    if (seq != pos + 1) {
        /* Closed and every claimed position consumed: nothing can ever arrive. */
        uint64_t enq = atomic_load_explicit(&q->enqueue_pos, memory_order_acquire);
        if ((enq & CLOSED_BIT) && (enq & ~CLOSED_BIT) == pos)
            return ACTR_ECLOSED;
        return ACTR_EAGAIN; /* empty, or a producer claimed the cell and is still writing */
    }
    *item = c->item;
    atomic_store_explicit(&c->seq, pos + q->mask + 1, memory_order_release);
    atomic_store_explicit(&q->dequeue_pos, pos + 1, memory_order_relaxed);
    return 0;
}

int actr_mpsc_pop_wait(actr_mpsc_t *q, void **item, int64_t timeout_ms)
{
    int rc = actr_mpsc_try_pop(q, item);
    if (rc != ACTR_EAGAIN)
        return rc;
    if (timeout_ms == 0)
        return ACTR_ETIMEDOUT;
    if (timeout_ms > 1000LL * 86400 * 365 * 100)
        timeout_ms = -1; /* a century is forever, and avoids overflow below */
    struct timespec deadline;
    if (timeout_ms > 0)
        actr_clock_mono_deadline((uint64_t)timeout_ms * 1000000ULL, &deadline);

    pthread_mutex_lock(&q->lock);
    atomic_store_explicit(&q->waiting, 1, memory_order_seq_cst);
    for (;;) {
        rc = actr_mpsc_try_pop(q, item);
        if (rc != ACTR_EAGAIN)
            break;
        int wrc = timeout_ms > 0 ? pthread_cond_timedwait(&q->wake, &q->lock, &deadline)
                                 : pthread_cond_wait(&q->wake, &q->lock);
        if (wrc == ETIMEDOUT) {
            rc = actr_mpsc_try_pop(q, item); /* one last look: it may have just arrived */
            if (rc == ACTR_EAGAIN)
                rc = ACTR_ETIMEDOUT;
            break;
        }
    }
    atomic_store_explicit(&q->waiting, 0, memory_order_relaxed);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

void actr_mpsc_close(actr_mpsc_t *q)
{
    atomic_fetch_or_explicit(&q->enqueue_pos, CLOSED_BIT, memory_order_seq_cst);
    wake_consumer(q, 1);
}

size_t actr_mpsc_capacity(const actr_mpsc_t *q)
{
    return (size_t)q->mask + 1;
}

size_t actr_mpsc_size(const actr_mpsc_t *q)
{
    /* Read dequeue first: the difference can then only overstate, and is clamped. */
    uint64_t deq = atomic_load_explicit(&q->dequeue_pos, memory_order_acquire);
    uint64_t enq = atomic_load_explicit(&q->enqueue_pos, memory_order_acquire) & ~CLOSED_BIT;
    uint64_t n = enq > deq ? enq - deq : 0;
    return n > q->mask + 1 ? (size_t)q->mask + 1 : (size_t)n;
}
