/* inbox.c - Vyukov intrusive MPSC queue plus a reservation counter for the bound. */
#include "lifecycle/inbox.h"

#include <time.h>

#include "actr/error.h"
#include "base/clock.h"

#define CLOSED_BIT ((uint64_t)1 << 63)

int actr_inbox_init(actr_inbox_t *q, uint32_t capacity)
{
    if (!q || capacity == 0)
        return ACTR_EINVAL;
    atomic_init(&q->stub.next, NULL);
    atomic_init(&q->tail, &q->stub);
    q->head = &q->stub;
    atomic_init(&q->count, 0);
    atomic_init(&q->waiters, 0);
    q->capacity = capacity;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&q->space, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return ACTR_ENOMEM;
    if (pthread_mutex_init(&q->lock, NULL) != 0) {
        pthread_cond_destroy(&q->space);
        return ACTR_ENOMEM;
    }
    return 0;
}

void actr_inbox_destroy(actr_inbox_t *q)
{
    pthread_cond_destroy(&q->space);
    pthread_mutex_destroy(&q->lock);
}

/*
 * Gives back n places and wakes waiting senders when at most `level` places are taken.
 * Consumers pass half the capacity: a waiting sender then sleeps until the inbox has drained to
 * half (one wake-up per half inbox, not per batch) while the actor still has plenty queued.
 * Undoing an overshooting reservation passes capacity - 1: another sender may have failed
 * because of our transient increment, so any free place must wake it (but only a free place,
 * or failing waiters would wake each other forever). `locked`: the caller holds q->lock.
 */
static void give_back(actr_inbox_t *q, uint64_t n, uint64_t level, bool locked)
{
    uint64_t now = atomic_fetch_sub_explicit(&q->count, n, memory_order_seq_cst) - n;
    if ((now & ~CLOSED_BIT) > level ||
        atomic_load_explicit(&q->waiters, memory_order_seq_cst) == 0)
        return;
    if (!locked)
        pthread_mutex_lock(&q->lock);
    pthread_cond_broadcast(&q->space);
    if (!locked)
        pthread_mutex_unlock(&q->lock);
}

/* One attempt: 0, ACTR_EAGAIN or ACTR_ECLOSED. Overshooting senders undo their increment. */
static int try_reserve(actr_inbox_t *q, bool locked)
{
    uint64_t prev = atomic_fetch_add_explicit(&q->count, 1, memory_order_seq_cst);
    if (prev & CLOSED_BIT) {
        atomic_fetch_sub_explicit(&q->count, 1, memory_order_relaxed);
        return ACTR_ECLOSED;
    }
    if (prev < q->capacity)
        return 0;
    give_back(q, 1, q->capacity - 1, locked);
    return ACTR_EAGAIN;
}

int actr_inbox_reserve(actr_inbox_t *q, int64_t timeout_ms)
{
    int rc = try_reserve(q, false);
    if (rc != ACTR_EAGAIN || timeout_ms <= 0)
        return rc;
    uint64_t deadline_ns = actr_clock_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    struct timespec ts = {(time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u)};
    pthread_mutex_lock(&q->lock);
    /* waiters is raised before each retry, so a release that frees a place either sees it and
     * broadcasts under the lock, or happened before the retry (which then succeeds). */
    atomic_fetch_add_explicit(&q->waiters, 1, memory_order_seq_cst);
    while ((rc = try_reserve(q, true)) == ACTR_EAGAIN) {
        if (pthread_cond_timedwait(&q->space, &q->lock, &ts) != 0 &&
            actr_clock_mono_ns() >= deadline_ns) {
            rc = try_reserve(q, true);
            break;
        }
    }
    atomic_fetch_sub_explicit(&q->waiters, 1, memory_order_relaxed);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int actr_inbox_reserve_n(actr_inbox_t *q, uint32_t n)
{
    uint64_t prev = atomic_fetch_add_explicit(&q->count, n, memory_order_seq_cst);
    if (prev & CLOSED_BIT) {
        atomic_fetch_sub_explicit(&q->count, n, memory_order_relaxed);
        return ACTR_ECLOSED;
    }
    if (prev + n <= q->capacity)
        return 0;
    give_back(q, n, q->capacity - 1, false);
    return ACTR_EAGAIN;
}

void actr_inbox_unreserve(actr_inbox_t *q)
{
    give_back(q, 1, q->capacity - 1, false);
}

void actr_inbox_unreserve_n(actr_inbox_t *q, uint32_t n)
{
    if (n > 0)
        give_back(q, n, q->capacity - 1, false);
}

void actr_inbox_push(actr_inbox_t *q, actr_inbox_item_t *item)
{
    atomic_store_explicit(&item->next, NULL, memory_order_relaxed);
    /* seq_cst exchange: pairs with a releasing consumer's seq_cst store of the actor's scheduled
     * flag and load of the tail (actor.c). The link itself only needs to publish the item. */
    actr_inbox_item_t *prev = atomic_exchange_explicit(&q->tail, item, memory_order_seq_cst);
    atomic_store_explicit(&prev->next, item, memory_order_release);
}

void actr_inbox_push_chain(actr_inbox_t *q, actr_inbox_item_t *first, actr_inbox_item_t *last)
{
    atomic_store_explicit(&last->next, NULL, memory_order_relaxed);
    actr_inbox_item_t *prev = atomic_exchange_explicit(&q->tail, last, memory_order_seq_cst);
    atomic_store_explicit(&prev->next, first, memory_order_release);
}

actr_inbox_item_t *actr_inbox_pop(actr_inbox_t *q)
{
    actr_inbox_item_t *head = q->head;
    actr_inbox_item_t *next = atomic_load_explicit(&head->next, memory_order_acquire);
    if (head == &q->stub) {
        if (!next)
            return NULL;
        q->head = next;
        head = next;
        next = atomic_load_explicit(&next->next, memory_order_acquire);
    }
    if (next) {
        q->head = next;
        /* The producer's core wrote the next item (a request: two lines); fetch it while this
         * one is served. */
        __builtin_prefetch(next);
        __builtin_prefetch((const char *)next + 64);
        return head;
    }
    if (head != atomic_load_explicit(&q->tail, memory_order_acquire))
        return NULL; /* a producer swapped the tail and has not linked yet */
    /* head is the last item: put the stub behind it so head can leave. */
    actr_inbox_push(q, &q->stub);
    next = atomic_load_explicit(&head->next, memory_order_acquire);
    if (next) {
        q->head = next;
        return head;
    }
    return NULL;
}

bool actr_inbox_ready(actr_inbox_t *q)
{
    actr_inbox_item_t *head = q->head;
    actr_inbox_item_t *next = atomic_load_explicit(&head->next, memory_order_seq_cst);
    if (head == &q->stub)
        return next != NULL;
    return next != NULL || head == atomic_load_explicit(&q->tail, memory_order_seq_cst);
}

const actr_inbox_item_t *actr_inbox_mark(actr_inbox_t *q)
{
    return q->head;
}

const actr_inbox_item_t *actr_inbox_tail(actr_inbox_t *q)
{
    return atomic_load_explicit(&q->tail, memory_order_seq_cst);
}

void actr_inbox_release(actr_inbox_t *q, uint32_t n)
{
    if (n > 0)
        give_back(q, n, q->capacity / 2, false);
}

void actr_inbox_close(actr_inbox_t *q)
{
    atomic_fetch_or_explicit(&q->count, CLOSED_BIT, memory_order_seq_cst);
    pthread_mutex_lock(&q->lock);
    pthread_cond_broadcast(&q->space);
    pthread_mutex_unlock(&q->lock);
}

uint64_t actr_inbox_reserved(actr_inbox_t *q)
{
    return atomic_load_explicit(&q->count, memory_order_seq_cst) & ~CLOSED_BIT;
}
