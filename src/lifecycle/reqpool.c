/* reqpool.c - per-thread free lists of request blocks, balanced in whole batches through a
 * lock-free stack. Nothing walks a list: a batch carries its tail and count in its first block. */
#include "lifecycle/reqpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define POOL_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define POOL_ENABLED 0
#endif
#endif
#ifndef POOL_ENABLED
#define POOL_ENABLED 1
#endif

#define BATCH 128          /* blocks moved between threads at once */
#define SHARED_CAP 128     /* batches parked in the shared stack at most */
/* Batches a thread keeps for itself before it shares: an inbox's worth (1024 requests). A
 * sender and its receiver on one worker (workers.c) then reuse their own blocks, still in that
 * core's cache, instead of trading them through the shared stack with other workers (which
 * made every allocation a miss: half of a tell's time with two such pairs). */
#define LOCAL_SPARES 8

/* A free block. The first block of a full batch also describes the batch. */
typedef struct block {
    struct block *next;       /* within a list or batch */
    struct block *next_batch; /* batch header: the next batch of a stack */
    struct block *tail;       /* batch header: its last block */
} block_t;

typedef struct list {
    block_t *head, *tail;
    uint32_t n;
} list_t;

typedef struct cache {
    list_t ready;       /* blocks to allocate from */
    list_t filling;     /* blocks freed here, becoming a batch */
    block_t *spare;     /* whole batches kept or taken from the shared stack (headers chained) */
    uint32_t nspare;
    bool registered;
} cache_t;

static _Atomic(block_t *) g_shared; /* batch headers chained through next_batch */
static _Atomic int g_shared_n;
static _Thread_local cache_t tl_cache;
static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void free_chain(block_t *b)
{
    while (b) {
        block_t *next = b->next;
        free(b);
        b = next;
    }
}

/* Thread exit: the thread's blocks go back to malloc. */
static void cache_destroy(void *arg)
{
    cache_t *c = arg;
    free_chain(c->ready.head);
    free_chain(c->filling.head);
    while (c->spare) {
        block_t *batch = c->spare;
        c->spare = batch->next_batch;
        free_chain(batch);
    }
    *c = (cache_t){0};
}

static void make_key(void)
{
    pthread_key_create(&g_key, cache_destroy);
}

static cache_t *cache(void)
{
    cache_t *c = &tl_cache;
    if (!c->registered) {
        pthread_once(&g_once, make_key);
        pthread_setspecific(g_key, c); /* non-NULL: the destructor runs at thread exit */
        c->registered = true;
    }
    return c;
}

/* A full `filling` list leaves: it becomes `ready` if that is empty, else goes to the shared
 * stack (or back to malloc when the stack is full). O(1). */
static void retire_filling(cache_t *c)
{
    block_t *batch = c->filling.head;
    batch->tail = c->filling.tail;
    c->filling = (list_t){0};
    if (!c->ready.head) {
        c->ready = (list_t){batch, batch->tail, BATCH};
        return;
    }
    if (c->nspare < LOCAL_SPARES) {
        batch->next_batch = c->spare;
        c->spare = batch;
        c->nspare++;
        return;
    }
    if (atomic_load_explicit(&g_shared_n, memory_order_relaxed) >= SHARED_CAP) {
        free_chain(batch);
        return;
    }
    atomic_fetch_add_explicit(&g_shared_n, 1, memory_order_relaxed);
    block_t *old = atomic_load_explicit(&g_shared, memory_order_relaxed);
    do
        batch->next_batch = old;
    while (!atomic_compare_exchange_weak_explicit(&g_shared, &old, batch, memory_order_release,
                                                  memory_order_relaxed));
}

/* Refills `ready` with one batch: a spare one, else the blocks freed here, else all shared
 * batches (one exchange, so no ABA). Returns false when there is nothing. */
static bool refill(cache_t *c)
{
    if (!c->spare && c->filling.head) {
        c->ready = c->filling;
        c->filling = (list_t){0};
        return true;
    }
    if (!c->spare && atomic_load_explicit(&g_shared, memory_order_relaxed)) {
        c->spare = atomic_exchange_explicit(&g_shared, NULL, memory_order_acquire);
        int n = 0;
        for (block_t *b = c->spare; b; b = b->next_batch) /* headers only: <= SHARED_CAP */
            n++;
        atomic_fetch_sub_explicit(&g_shared_n, n, memory_order_relaxed);
        c->nspare += (uint32_t)n;
    }
    if (c->spare) {
        block_t *batch = c->spare;
        c->spare = batch->next_batch;
        c->nspare--;
        c->ready = (list_t){batch, batch->tail, BATCH};
        return true;
    }
    return false;
}

void *actr_reqpool_alloc(size_t size)
{
    if (!POOL_ENABLED)
        return malloc(size);
    cache_t *c = cache();
    if (!c->ready.head && !refill(c)) {
        /* Cache-line aligned: a request then spans the fewest lines (request.h). */
        size_t rounded = (size + 63) & ~(size_t)63;
        if (rounded < sizeof(block_t))
            rounded = 64;
        return aligned_alloc(64, rounded);
    }
    block_t *b = c->ready.head;
    c->ready.head = b->next;
    if (--c->ready.n == 0)
        c->ready.tail = NULL;
    else /* it was last written on another core: start fetching it now */
        __builtin_prefetch(c->ready.head, 1);
    return b;
}

void actr_reqpool_free(void *p)
{
    if (!POOL_ENABLED || !p) {
        free(p);
        return;
    }
    cache_t *c = cache();
    block_t *b = p;
    b->next = c->filling.head;
    if (!c->filling.head)
        c->filling.tail = b;
    c->filling.head = b;
    if (++c->filling.n == BATCH)
        retire_filling(c);
}
