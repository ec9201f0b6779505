/* reqpool.c - per-thread free lists of request blocks, balanced through a lock-free stack. */
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

#define LOCAL_HIGH 256   /* a thread's list beyond this gives a batch away */
#define BATCH 128
#define SHARED_CAP 16384 /* blocks parked in the shared stack at most */

typedef struct block {
    struct block *next;
} block_t;

typedef struct cache {
    block_t *head;
    uint32_t n;
    bool registered;
} cache_t;

static _Atomic(block_t *) g_shared;
static _Atomic long g_shared_n;
static _Thread_local cache_t tl_cache;
static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* Thread exit: the thread's list goes back to malloc. */
static void cache_destroy(void *arg)
{
    cache_t *c = arg;
    while (c->head) {
        block_t *b = c->head;
        c->head = b->next;
        free(b);
    }
    c->n = 0;
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

/* Moves BATCH blocks from the thread's list to the shared stack (or frees them when full). */
static void give_batch(cache_t *c)
{
    block_t *first = c->head, *last = first;
    for (uint32_t i = 1; i < BATCH; i++)
        last = last->next;
    c->head = last->next;
    c->n -= BATCH;
    if (atomic_load_explicit(&g_shared_n, memory_order_relaxed) >= SHARED_CAP) {
        last->next = NULL;
        while (first) {
            block_t *b = first;
            first = b->next;
            free(b);
        }
        return;
    }
    atomic_fetch_add_explicit(&g_shared_n, BATCH, memory_order_relaxed);
    block_t *old = atomic_load_explicit(&g_shared, memory_order_relaxed);
    do
        last->next = old;
    while (!atomic_compare_exchange_weak_explicit(&g_shared, &old, first, memory_order_release,
                                                  memory_order_relaxed));
}

/* Takes the whole shared stack into the thread's (empty) list. */
static void take_shared(cache_t *c)
{
    block_t *all = atomic_exchange_explicit(&g_shared, NULL, memory_order_acquire);
    uint32_t n = 0;
    for (block_t *b = all; b; b = b->next)
        n++;
    atomic_fetch_sub_explicit(&g_shared_n, n, memory_order_relaxed);
    c->head = all;
    c->n = n;
}

void *actr_reqpool_alloc(size_t size)
{
    if (!POOL_ENABLED)
        return malloc(size);
    cache_t *c = cache();
    if (!c->head && atomic_load_explicit(&g_shared, memory_order_relaxed))
        take_shared(c);
    block_t *b = c->head;
    if (!b)
        return malloc(size < sizeof(block_t) ? sizeof(block_t) : size);
    c->head = b->next;
    c->n--;
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
    b->next = c->head;
    c->head = b;
    if (++c->n > LOCAL_HIGH)
        give_batch(c);
}
