/* workers.c - worker threads over one shared run queue and a local queue per worker (an actor
 * made ready by a worker stays on it, stolen by another only once it waited STEAL_AFTER_US), with
 * idle spinning and spare threads for workers blocked inside handlers (retired again once they
 * idle for SPARE_LINGER_MS). */
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
/* A runnable queued on a busy worker's local queue is left to it this long before an idle worker
 * takes it: longer than a sender needs to fill an inbox on a slow core (then it runs the receiver
 * itself, actor.c), so pairs stay on one core with their messages in its cache; short enough that
 * a long handler does not hold up the actors it made ready. 100 us let the idle worker split a
 * streaming pair 5-36 times per 2 M tells in bench_inproc (1->1 between actors 1.9x slower). */
#define STEAL_AFTER_US 300
/* A worker picks from the shared queue before its own at least every this many picks. */
#define SHARED_EVERY 4

/* A FIFO of runnables, under the pool's lock; n is readable without it (a hint). */
typedef struct runq {
    actr_runnable_t *head, *tail;
    _Atomic uint32_t n;
} runq_t;

/* One worker thread's local queue (on its stack, linked into the pool while it runs). */
typedef struct worker {
    struct worker *next; /* the pool's list, under lock */
    runq_t q;
    uint32_t picks;
} worker_t;

struct actr_workers {
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* CLOCK_MONOTONIC */
    pthread_cond_t exited;    /* a thread left: free() waits for nthreads == 0 */
    runq_t shared;            /* the shared run queue */
    worker_t *workers;        /* every running worker's local queue, under lock */
    _Atomic uint32_t lqueued; /* items on all local queues, written under lock */
    uint32_t sleepers;        /* workers waiting on wake, under lock */
    uint32_t nthreads;        /* running (started and not exited), under lock */
    uint32_t nblocked;        /* inside block_begin/end, under lock */
    int stopping;             /* under lock */
    uint32_t base, max, batch, spin_us;
    _Atomic uint32_t spinners; /* idle workers spinning now (at most max_spinners) */
    uint32_t max_spinners;
};

static _Thread_local actr_workers_t *tl_pool;
static _Thread_local worker_t *tl_self; /* this thread's local queue (a worker of tl_pool) */

static void runq_count(runq_t *q, int delta)
{
    /* Written under the lock only: a plain read-modify-write of the hint is enough. */
    atomic_store_explicit(&q->n, atomic_load_explicit(&q->n, memory_order_relaxed) + delta,
                          memory_order_relaxed);
}

static void runq_push(runq_t *q, actr_runnable_t *r)
{
    r->next_ = NULL;
    if (q->tail)
        q->tail->next_ = r;
    else
        q->head = r;
    q->tail = r;
    runq_count(q, 1);
}

/* Unlinks r (after prev, NULL for the head). */
static void runq_unlink(runq_t *q, actr_runnable_t *prev, actr_runnable_t *r)
{
    if (prev)
        prev->next_ = r->next_;
    else
        q->head = r->next_;
    if (q->tail == r)
        q->tail = prev;
    r->next_ = NULL;
    runq_count(q, -1);
}

static actr_runnable_t *runq_pop(runq_t *q)
{
    actr_runnable_t *r = q->head;
    if (r)
        runq_unlink(q, NULL, r);
    return r;
}

static actr_runnable_t *pop_locked(actr_workers_t *w)
{
    return runq_pop(&w->shared);
}

static void push_locked(actr_workers_t *w, actr_runnable_t *r)
{
    runq_push(&w->shared, r);
}

static void local_push_locked(actr_workers_t *w, worker_t *me, actr_runnable_t *r, uint64_t now)
{
    r->queued_ns_ = now;
    runq_push(&me->q, r);
    atomic_fetch_add_explicit(&w->lqueued, 1, memory_order_relaxed);
}

static actr_runnable_t *local_pop_locked(actr_workers_t *w, worker_t *v)
{
    actr_runnable_t *r = runq_pop(&v->q);
    if (r)
        atomic_fetch_sub_explicit(&w->lqueued, 1, memory_order_relaxed);
    return r;
}

/* The oldest head of another worker's local queue that waited STEAL_AFTER_US, taken. */
static actr_runnable_t *steal_locked(actr_workers_t *w, worker_t *me)
{
    if (atomic_load_explicit(&w->lqueued, memory_order_relaxed) == 0)
        return NULL;
    uint64_t now = actr_clock_mono_ns(), wait_ns = (uint64_t)STEAL_AFTER_US * 1000u;
    if (now < wait_ns)
        return NULL; /* the first moments after boot: nothing has waited that long */
    uint64_t oldest = now - wait_ns + 1;
    worker_t *victim = NULL;
    for (worker_t *v = w->workers; v; v = v->next)
        if (v != me && v->q.head && v->q.head->queued_ns_ < oldest) {
            oldest = v->q.head->queued_ns_;
            victim = v;
        }
    return victim ? local_pop_locked(w, victim) : NULL;
}

/* What a worker runs next: its own local queue first, except that the shared queue goes first
 * every SHARED_EVERY picks and when the worker rotates away from an actor with more work (someone
 * waits); then old items of other workers. */
static actr_runnable_t *next_locked(actr_workers_t *w, worker_t *me, bool rotating)
{
    bool shared_first = rotating || !me->q.head || (++me->picks % SHARED_EVERY) == 0;
    actr_runnable_t *r = shared_first ? pop_locked(w) : NULL;
    if (!r)
        r = local_pop_locked(w, me);
    if (!r && !shared_first)
        r = pop_locked(w);
    if (!r)
        r = steal_locked(w, me);
    return r;
}

/* Moves me's local queue to the shared one (its worker is about to wait) and wakes sleepers. */
static void share_locked(actr_workers_t *w, worker_t *me)
{
    uint32_t moved = 0;
    for (actr_runnable_t *r; (r = local_pop_locked(w, me)) != NULL; moved++)
        push_locked(w, r);
    if (moved > 1 && w->sleepers > 1)
        pthread_cond_broadcast(&w->wake);
    else if (moved > 0 && w->sleepers > 0)
        pthread_cond_signal(&w->wake);
}

/* Next item to run, spinning first; NULL when the pool stops with nothing left to run or a
 * spare retires. Only a few workers spin at once: more would just take CPU from the threads
 * producing the work. */
static actr_runnable_t *take(actr_workers_t *w, worker_t *me)
{
    pthread_mutex_lock(&w->lock);
    actr_runnable_t *r = next_locked(w, me, false);
    pthread_mutex_unlock(&w->lock);
    if (r)
        return r;
    if (w->spin_us > 0 &&
        atomic_fetch_add_explicit(&w->spinners, 1, memory_order_relaxed) >= w->max_spinners) {
        atomic_fetch_sub_explicit(&w->spinners, 1, memory_order_relaxed);
    } else if (w->spin_us > 0) {
        uint64_t until = actr_clock_mono_ns() + (uint64_t)w->spin_us * 1000u;
        for (uint32_t i = 1;; i++) {
            /* Other workers' local items are looked at less often: they can only be taken once
             * old, which takes a clock read under the lock. */
            if (atomic_load_explicit(&w->shared.n, memory_order_relaxed) > 0 ||
                ((i & 15) == 0 && atomic_load_explicit(&w->lqueued, memory_order_relaxed) > 0)) {
                pthread_mutex_lock(&w->lock);
                r = next_locked(w, me, false);
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
    /* More threads free to work than the base: one is a spare whose blocked worker came back.
     * It waits a while, then retires if that is still so. */
    uint64_t retire_at = actr_clock_mono_ns() + (uint64_t)SPARE_LINGER_MS * 1000000u;
    while (!(r = next_locked(w, me, false)) && !w->stopping) {
        bool surplus = w->nthreads - w->nblocked > w->base;
        uint64_t now = actr_clock_mono_ns();
        if (surplus && now >= retire_at)
            break; /* retire */
        /* While other workers hold local items, look again when the oldest may be stealable;
         * a push onto an empty set of local queues signals (submit_local). */
        uint64_t until = surplus ? retire_at : 0;
        if (atomic_load_explicit(&w->lqueued, memory_order_relaxed) > 0) {
            uint64_t steal_at = now + (uint64_t)STEAL_AFTER_US * 1000u;
            if (!until || steal_at < until)
                until = steal_at;
        }
        w->sleepers++;
        if (until) {
            struct timespec ts = {.tv_sec = (time_t)(until / 1000000000u),
                                  .tv_nsec = (long)(until % 1000000000u)};
            pthread_cond_timedwait(&w->wake, &w->lock, &ts);
        } else {
            pthread_cond_wait(&w->wake, &w->lock);
        }
        w->sleepers--;
    }
    pthread_mutex_unlock(&w->lock);
    return r;
}

static void *worker_main(void *arg)
{
    actr_workers_t *w = arg;
    worker_t me = {.next = NULL, .q = {.head = NULL, .tail = NULL}, .picks = 0};
    atomic_init(&me.q.n, 0);
    pthread_mutex_lock(&w->lock);
    me.next = w->workers;
    w->workers = &me;
    pthread_mutex_unlock(&w->lock);
    tl_pool = w;
    tl_self = &me;
    actr_runnable_t *cur = NULL;
    for (;;) {
        if (!cur && !(cur = take(w, &me)))
            break;
        if (cur->run(cur, w->batch) == ACTR_RUN_IDLE) {
            cur = NULL;
            continue;
        }
        /* More work: keep going unless something else waits for this worker. */
        if (atomic_load_explicit(&w->shared.n, memory_order_relaxed) == 0 &&
            atomic_load_explicit(&me.q.n, memory_order_relaxed) == 0)
            continue;
        pthread_mutex_lock(&w->lock);
        local_push_locked(w, &me, cur, actr_clock_mono_ns());
        cur = next_locked(w, &me, true);
        pthread_mutex_unlock(&w->lock);
    }
    pthread_mutex_lock(&w->lock);
    share_locked(w, &me); /* empty unless stopping: take() drains it first */
    for (worker_t **p = &w->workers; *p; p = &(*p)->next)
        if (*p == &me) {
            *p = me.next;
            break;
        }
    w->nthreads--;
    pthread_cond_broadcast(&w->exited);
    pthread_mutex_unlock(&w->lock);
    tl_self = NULL;
    tl_pool = NULL;
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
    atomic_init(&w->shared.n, 0);
    atomic_init(&w->lqueued, 0);
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

void actr_workers_submit_local(actr_workers_t *w, actr_runnable_t *r)
{
    if (tl_pool != w || !tl_self) {
        actr_workers_submit(w, r);
        return;
    }
    uint64_t now = actr_clock_mono_ns();
    pthread_mutex_lock(&w->lock);
    bool first = atomic_load_explicit(&w->lqueued, memory_order_relaxed) == 0;
    local_push_locked(w, tl_self, r, now);
    /* A sleeper that saw no local items waits without a timeout: wake one so it watches this
     * item's age (it takes it only if this worker does not get to it in time). */
    if (first && w->sleepers > 0 && atomic_load_explicit(&w->spinners, memory_order_relaxed) == 0)
        pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

bool actr_workers_claim_local(actr_workers_t *w, actr_runnable_t *r)
{
    if (tl_pool != w || !tl_self || atomic_load_explicit(&tl_self->q.n, memory_order_relaxed) == 0)
        return false;
    bool found = false;
    pthread_mutex_lock(&w->lock);
    actr_runnable_t *prev = NULL;
    for (actr_runnable_t *it = tl_self->q.head; it && !found; prev = it, it = it->next_) {
        if (it == r) {
            runq_unlink(&tl_self->q, prev, r);
            atomic_fetch_sub_explicit(&w->lqueued, 1, memory_order_relaxed);
            found = true;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return found;
}

void actr_workers_share_local(actr_workers_t *w)
{
    if (!w || tl_pool != w || !tl_self || atomic_load_explicit(&tl_self->q.n, memory_order_relaxed) == 0)
        return;
    pthread_mutex_lock(&w->lock);
    share_locked(w, tl_self);
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
    share_locked(w, tl_self); /* what this worker made ready must not wait for it */
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
    return atomic_load_explicit(&w->shared.n, memory_order_relaxed) == 0 &&
           (tl_pool != w || !tl_self || atomic_load_explicit(&tl_self->q.n, memory_order_relaxed) == 0);
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
