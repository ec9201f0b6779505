/* reqpool.c - per-thread magazines of request blocks, balanced in whole magazines through a
 * lock-free stack. A magazine is an array of block pointers, so taking a block reads no block:
 * the allocating thread can prefetch the blocks it will hand out next (with a linked free list,
 * each allocation first had to miss on the block another core had freed to find the next). */
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

#define MAG_SIZE 128   /* blocks moved between threads at once */
#define SHARED_CAP 128 /* full magazines parked in the shared stack at most */
/* Full magazines a thread keeps for itself before it shares: an inbox's worth (1024 requests).
 * A sender and its receiver on one worker (workers.c) then reuse their own blocks, still in that
 * core's cache, instead of trading them through the shared stack with other workers (which made
 * every allocation a miss: half of a tell's time with two such pairs). */
#define LOCAL_SPARES 8
/* Empty magazines a thread keeps (a thread that only allocates would otherwise collect every
 * magazine it emptied). */
#define EMPTY_KEEP 4
/* Blocks prefetched ahead of the one handed out. */
#define PREFETCH_AHEAD 2

typedef struct mag {
    struct mag *next; /* in a stack or list of magazines */
    uint32_t n;       /* blocks in slot[0..n) */
    void *slot[MAG_SIZE];
} mag_t;

typedef struct cache {
    mag_t *loaded;  /* allocations pop from it */
    mag_t *filling; /* frees push onto it */
    mag_t *full;    /* full magazines kept here (nfull of them) */
    uint32_t nfull;
    mag_t *empty; /* empty magazines for reuse (nempty of them) */
    uint32_t nempty;
    bool registered;
} cache_t;

static _Atomic(mag_t *) g_shared; /* full magazines chained through next */
static _Atomic int g_shared_n;
static _Thread_local cache_t tl_cache;
static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void mag_free(mag_t *m)
{
    for (uint32_t i = 0; i < m->n; i++)
        free(m->slot[i]);
    free(m);
}

static void mag_list_free(mag_t *m)
{
    while (m) {
        mag_t *next = m->next;
        mag_free(m);
        m = next;
    }
}

/* Thread exit: the thread's blocks go back to malloc. */
static void cache_destroy(void *arg)
{
    cache_t *c = arg;
    if (c->loaded) /* single magazines: their next is stale */
        mag_free(c->loaded);
    if (c->filling)
        mag_free(c->filling);
    mag_list_free(c->full);
    mag_list_free(c->empty);
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

static void push_empty(cache_t *c, mag_t *m)
{
    if (c->nempty >= EMPTY_KEEP) {
        free(m);
        return;
    }
    m->n = 0;
    m->next = c->empty;
    c->empty = m;
    c->nempty++;
}

/* A full `filling` magazine leaves: loaded if that is empty, else kept, else shared (or back to
 * malloc when the shared stack is full). */
static void retire_filling(cache_t *c)
{
    mag_t *m = c->filling;
    c->filling = NULL;
    if (!c->loaded || c->loaded->n == 0) {
        if (c->loaded)
            push_empty(c, c->loaded);
        c->loaded = m;
        return;
    }
    if (c->nfull < LOCAL_SPARES) {
        m->next = c->full;
        c->full = m;
        c->nfull++;
        return;
    }
    if (atomic_load_explicit(&g_shared_n, memory_order_relaxed) >= SHARED_CAP) {
        mag_free(m);
        return;
    }
    atomic_fetch_add_explicit(&g_shared_n, 1, memory_order_relaxed);
    mag_t *old = atomic_load_explicit(&g_shared, memory_order_relaxed);
    do
        m->next = old;
    while (!atomic_compare_exchange_weak_explicit(&g_shared, &old, m, memory_order_release,
                                                  memory_order_relaxed));
}

/* Makes `loaded` non-empty: a kept full magazine, else the blocks freed here, else every shared
 * magazine (one exchange, so no ABA). Returns false when there is nothing. */
static bool refill(cache_t *c)
{
    if (!c->full && c->filling && c->filling->n > 0) {
        mag_t *m = c->filling;
        c->filling = c->loaded; /* empty (or NULL): frees go there now */
        c->loaded = m;
        return true;
    }
    if (!c->full && atomic_load_explicit(&g_shared, memory_order_relaxed)) {
        c->full = atomic_exchange_explicit(&g_shared, NULL, memory_order_acquire);
        int n = 0;
        for (mag_t *m = c->full; m; m = m->next) /* <= SHARED_CAP */
            n++;
        atomic_fetch_sub_explicit(&g_shared_n, n, memory_order_relaxed);
        c->nfull += (uint32_t)n;
    }
    if (!c->full)
        return false;
    mag_t *m = c->full;
    c->full = m->next;
    c->nfull--;
    if (c->loaded)
        push_empty(c, c->loaded);
    c->loaded = m;
    return true;
}

void *actr_reqpool_alloc(size_t size)
{
    if (!POOL_ENABLED)
        return malloc(size);
    cache_t *c = cache();
    if ((!c->loaded || c->loaded->n == 0) && !refill(c)) {
        /* Cache-line aligned: a request then spans the fewest lines (request.h). */
        size_t rounded = (size + 63) & ~(size_t)63;
        return aligned_alloc(64, rounded ? rounded : 64);
    }
    mag_t *m = c->loaded;
    void *b = m->slot[--m->n];
    if (m->n >= PREFETCH_AHEAD) {
        /* Likely last written on another core: start taking its lines now (requests span two
         * lines, request.h). */
        char *next = m->slot[m->n - PREFETCH_AHEAD];
        __builtin_prefetch(next, 1);
        __builtin_prefetch(next + 64, 1);
    }
    return b;
}

void actr_reqpool_free(void *p)
{
    if (!POOL_ENABLED || !p) {
        free(p);
        return;
    }
    cache_t *c = cache();
    if (!c->filling) {
        mag_t *m = c->empty;
        if (m) {
            c->empty = m->next;
            c->nempty--;
        } else if (!(m = malloc(sizeof *m))) {
            free(p); /* no magazine: the block goes back to malloc */
            return;
        }
        m->n = 0;
        c->filling = m;
    }
    c->filling->slot[c->filling->n++] = p;
    if (c->filling->n == MAG_SIZE)
        retire_filling(c);
}
