/* workers.c - worker threads over one locked run queue, with idle spinning and spare threads
 * for workers blocked inside handlers (retired again once they idle for SPARE_LINGER_MS). */
#include "lifecycle/workers.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "actr/error.h"
#include "actr/log.h"
#include "base/clock.h"
#include "lifecycle/spin.h"

#define DEFAULT_MAX_THREADS 256
/* Idle polls with a pause instruction (~5 us) before the spinner starts yielding. */
#define PURE_SPIN_POLLS 128
/* A thread beyond the base that found no work for this long exits: long enough that a burst
 * of blocking calls does not create and destroy threads per call. */
#define SPARE_LINGER_MS 500

struct actr_workers {
    pthread_mutex_t lock;
    pthread_cond_t wake;          /* CLOCK_MONOTONIC */
    pthread_cond_t exited;        /* a thread left: free() waits for nthreads == 0 */
    actr_runnable_t *head, *tail; /* run queue, under lock */
    _Atomic uint32_t queued;      /* its length, readable without the lock by spinners */
    uint32_t sleepers;            /* workers waiting on wake, under lock */
    uint32_t nthreads;            /* running (started and not exited), under lock */
    uint32_t nblocked;            /* inside block_begin/end, under lock */
    int stopping;                 /* under lock */
    uint32_t base, max, batch, spin_us;
    _Atomic uint32_t spinners; /* idle workers spinning now (at most max_spinners) */
    uint32_t max_spinners;
};

static _Thread_local actr_workers_t *tl_pool;

static actr_runnable_t *pop_locked(actr_workers_t *w)
{
    actr_runnable_t *r = w->head;
    if (r) {
        w->head = r->next_;
        if (!w->head)
            w->tail = NULL;
        r->next_ = NULL;
        atomic_fetch_sub_explicit(&w->queued, 1, memory_order_relaxed);
    }
    return r;
}

static void push_locked(actr_workers_t *w, actr_runnable_t *r)
{
    r->next_ = NULL;
    if (w->tail)
        w->tail->next_ = r;
    else
        w->head = r;
    w->tail = r;
    atomic_fetch_add_explicit(&w->queued, 1, memory_order_relaxed);
}

/* Next item to run, spinning first; NULL when the pool stops and the queue is empty. Only a few
 * workers spin at once: more would just take CPU from the threads producing the work. */
static actr_runnable_t *take(actr_workers_t *w)
{
    if (w->spin_us > 0 &&
        atomic_fetch_add_explicit(&w->spinners, 1, memory_order_relaxed) >= w->max_spinners) {
        atomic_fetch_sub_explicit(&w->spinners, 1, memory_order_relaxed);
    } else if (w->spin_us > 0) {
        uint64_t until = actr_clock_mono_ns() + (uint64_t)w->spin_us * 1000u;
        for (uint32_t i = 1;; i++) {
            if (atomic_load_explicit(&w->queued, memory_order_relaxed) > 0) {
                pthread_mutex_lock(&w->lock);
                actr_runnable_t *r = pop_locked(w);
                pthread_mutex_unlock(&w->lock);
                if (r) {
                    atomic_fetch_sub_explicit(&w->spinners, 1, memory_order_relaxed);
                    return r;
                }
            }
            /* Pure spinning only briefly: after that yield, so on a busy machine the spinner
             * gives its core to the threads producing work instead of competing with them. */
            if (i < PURE_SPIN_POLLS)
                actr_cpu_relax();
            else
                sched_yield();
            if ((i & 15) == 0 && actr_clock_mono_ns() >= until)
                break;
        }
        atomic_fetch_sub_explicit(&w->spinners, 1, memory_order_relaxed);
    }
    pthread_mutex_lock(&w->lock);
    actr_runnable_t *r;
    while (!(r = pop_locked(w)) && !w->stopping) {
        /* More threads free to work than the base: one is a spare whose blocked worker came
         * back. Wait a while, then retire if that is still so. */
        bool surplus = w->nthreads - w->nblocked > w->base;
        w->sleepers++;
        int e = 0;
        if (surplus) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += (long)SPARE_LINGER_MS * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            e = pthread_cond_timedwait(&w->wake, &w->lock, &until);
        } else {
            pthread_cond_wait(&w->wake, &w->lock);
        }
        w->sleepers--;
        if (e == ETIMEDOUT && !w->head && w->nthreads - w->nblocked > w->base)
            break; /* retire */
    }
    pthread_mutex_unlock(&w->lock);
    return r;
}

static void *worker_main(void *arg)
{
    actr_workers_t *w = arg;
    tl_pool = w;
    actr_runnable_t *cur = NULL;
    for (;;) {
        if (!cur && !(cur = take(w)))
            break;
        if (cur->run(cur, w->batch) == ACTR_RUN_IDLE) {
            cur = NULL;
            continue;
        }
        /* More work: keep going unless someone else is waiting for a worker. */
        if (atomic_load_explicit(&w->queued, memory_order_relaxed) == 0)
            continue;
        pthread_mutex_lock(&w->lock);
        push_locked(w, cur);
        cur = pop_locked(w);
        pthread_mutex_unlock(&w->lock);
    }
    pthread_mutex_lock(&w->lock);
    w->nthreads--;
    pthread_cond_broadcast(&w->exited);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Under lock. */
static int spawn_locked(actr_workers_t *w)
{
    if (w->nthreads >= w->max)
        return ACTR_ERANGE;
    /* Detached: threads leave on their own (retired spares) and free() waits on `exited`. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int e = pthread_create(&t, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (e != 0)
        return ACTR_EINTERNAL;
    w->nthreads++;
    return 0;
}

int actr_workers_new(const actr_workers_options_t *opts, actr_workers_t **out)
{
    if (!opts || !out || opts->batch == 0)
        return ACTR_EINVAL;
    *out = NULL;
    uint32_t base = opts->threads;
    if (base == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        base = n > 0 ? (uint32_t)n : 1;
    }
    uint32_t max = opts->max_threads ? opts->max_threads : DEFAULT_MAX_THREADS;
    if (max < base)
        max = base;
    actr_workers_t *w = calloc(1, sizeof *w);
    if (!w)
        return ACTR_ENOMEM;
    w->base = base;
    w->max = max;
    w->batch = opts->batch;
    w->spin_us = opts->spin_us;
    w->max_spinners = base / 2 ? base / 2 : 1;
    atomic_init(&w->queued, 0);
    atomic_init(&w->spinners, 0);
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&w->exited, NULL);
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    for (uint32_t i = 0; i < base && rc == 0; i++)
        rc = spawn_locked(w);
    pthread_mutex_unlock(&w->lock);
    if (rc != 0) {
        actr_workers_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void actr_workers_submit(actr_workers_t *w, actr_runnable_t *r)
{
    pthread_mutex_lock(&w->lock);
    push_locked(w, r);
    if (w->sleepers > 0)
        pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

bool actr_workers_on_worker(const actr_workers_t *w)
{
    return tl_pool && (!w || tl_pool == w);
}

void actr_workers_block_begin(actr_workers_t *w)
{
    if (!w || tl_pool != w)
        return;
    pthread_mutex_lock(&w->lock);
    w->nblocked++;
    /* Sleeping workers count as available; spawn only when fewer than the base remain. */
    if (w->nthreads - w->nblocked < w->base && !w->stopping) {
        int rc = spawn_locked(w);
        if (rc != 0 && w->nthreads - w->nblocked == 0)
            actr_log(ACTR_LOG_WARN, "workers", "every worker is blocked and no spare can start",
                     ACTR_KV("threads", w->nthreads == w->max ? "max" : "create failed"));
    }
    pthread_mutex_unlock(&w->lock);
}

void actr_workers_block_end(actr_workers_t *w)
{
    if (!w || tl_pool != w)
        return;
    pthread_mutex_lock(&w->lock);
    w->nblocked--;
    pthread_mutex_unlock(&w->lock);
}

uint32_t actr_workers_count(actr_workers_t *w)
{
    pthread_mutex_lock(&w->lock);
    uint32_t n = w->nthreads;
    pthread_mutex_unlock(&w->lock);
    return n;
}

bool actr_workers_idle_queue(actr_workers_t *w)
{
    return atomic_load_explicit(&w->queued, memory_order_relaxed) == 0;
}

uint32_t actr_workers_batch(const actr_workers_t *w)
{
    return w->batch;
}

uint32_t actr_workers_spin_us(const actr_workers_t *w)
{
    return w ? w->spin_us : 0;
}

void actr_workers_free(actr_workers_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    /* No worker is blocked at this point (every actor stopped), so no spare can start. */
    pthread_mutex_lock(&w->lock);
    while (w->nthreads > 0)
        pthread_cond_wait(&w->exited, &w->lock);
    pthread_mutex_unlock(&w->lock);
    pthread_cond_destroy(&w->wake);
    pthread_cond_destroy(&w->exited);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
