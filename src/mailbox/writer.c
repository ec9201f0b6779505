/* writer.c - the group-commit writer thread of one SQLite database (see writer.h). */
#include "mailbox/writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/mpsc.h"
#include "base/sqlite_util.h"

enum { TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_COUNT };

static const char *const tx_sql[TX_COUNT] = {
    /* IMMEDIATE takes the write lock up front: no lock upgrade can fail halfway through. */
    [TX_BEGIN] = "BEGIN IMMEDIATE",
    [TX_COMMIT] = "COMMIT",
    [TX_ROLLBACK] = "ROLLBACK",
};

struct actr_sqlw {
    sqlite3 *db;
    sqlite3_stmt *tx[TX_COUNT];
    actr_mpsc_t *queue;          /* bounded; full policy in writer.h */
    actr_sqlw_job_t **round;     /* the jobs of the current round (writer thread only) */
    size_t capacity;
    uint32_t full_timeout_ms;
    pthread_t thread;
    pthread_mutex_t lock;        /* space_waiters */
    pthread_cond_t space;        /* producers waiting for room in the queue */
    int space_waiters;
    _Atomic uint64_t commits;
};

static int tx_step(actr_sqlw_t *w, int which)
{
    sqlite3_stmt *st = w->tx[which];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void tx_rollback(actr_sqlw_t *w)
{
    /* A failed COMMIT may already have rolled back: only roll back an open transaction. */
    if (!sqlite3_get_autocommit(w->db))
        tx_step(w, TX_ROLLBACK);
}

static void job_fail(actr_sqlw_t *w, actr_sqlw_job_t *job, int src, const char *what)
{
    job->rc = actr_sql_fail(&job->err, w->db, src, what);
}

/* One job in a transaction of its own. */
static void run_alone(actr_sqlw_t *w, actr_sqlw_job_t *job)
{
    int src = tx_step(w, TX_BEGIN);
    if (src != SQLITE_OK) {
        job_fail(w, job, src, "begin");
        return;
    }
    job->rc = job->run(w->db, job);
    if (job->rc == 0) {
        src = tx_step(w, TX_COMMIT);
        if (src == SQLITE_OK) {
            atomic_fetch_add(&w->commits, 1);
            return;
        }
        job_fail(w, job, src, "commit");
    }
    tx_rollback(w);
}

/* Every job of the round in one transaction; on any failure, each job again on its own. */
static void run_round(actr_sqlw_t *w, actr_sqlw_job_t **jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        jobs[i]->rc = 0;
        actr_error_clear(&jobs[i]->err);
    }
    if (n == 1) {
        run_alone(w, jobs[0]);
        return;
    }
    int src = tx_step(w, TX_BEGIN);
    if (src != SQLITE_OK) {
        /* Nothing ran; retrying one by one would wait out the busy timeout n times. */
        for (size_t i = 0; i < n; i++)
            job_fail(w, jobs[i], src, "begin");
        return;
    }
    size_t ran = 0;
    while (ran < n && (jobs[ran]->rc = jobs[ran]->run(w->db, jobs[ran])) == 0)
        ran++;
    if (ran == n && (src = tx_step(w, TX_COMMIT)) == SQLITE_OK) {
        atomic_fetch_add(&w->commits, 1);
        return;
    }
    tx_rollback(w);
    for (size_t i = 0; i < n; i++) {
        jobs[i]->rc = 0;
        actr_error_clear(&jobs[i]->err);
        run_alone(w, jobs[i]);
    }
}

/* Done callbacks in commit order; each waiting caller gets its own wakeup (no herd on a lock). */
static void finish_round(actr_sqlw_job_t **jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        actr_sqlw_job_t *job = jobs[i];
        int detached = job->detached; /* a detached job is freed by its done callback */
        if (job->done)
            job->done(job, job->rc);
        if (!detached)
            sem_post(&job->finished); /* the job may be gone right after: do not touch it */
    }
}

static void wake_space(actr_sqlw_t *w)
{
    pthread_mutex_lock(&w->lock);
    if (w->space_waiters > 0)
        pthread_cond_broadcast(&w->space);
    pthread_mutex_unlock(&w->lock);
}

static void *writer_main(void *arg)
{
    actr_sqlw_t *w = arg;
    void *item;
    pthread_setname_np(pthread_self(), "actr-sqlw"); /* visible in top, perf and gdb */
    /* Sleeps until a job arrives; ends when the queue is closed and drained. */
    while (actr_mpsc_pop_wait(w->queue, &item, -1) == 0) {
        size_t n = 0;
        w->round[n++] = item;
        while (n < w->capacity && actr_mpsc_try_pop(w->queue, &item) == 0)
            w->round[n++] = item;
        wake_space(w);
        run_round(w, w->round, n);
        finish_round(w->round, n);
    }
    wake_space(w); /* producers still waiting for room now see ACTR_ECLOSED */
    return NULL;
}

/* Queues job; when full, waits up to full_timeout_ms for the writer to make room. */
static int push(actr_sqlw_t *w, actr_sqlw_job_t *job)
{
    int rc = actr_mpsc_try_push(w->queue, job);
    if (rc != ACTR_EAGAIN)
        return rc;
    struct timespec deadline;
    actr_clock_mono_deadline((uint64_t)w->full_timeout_ms * 1000000ULL, &deadline);
    pthread_mutex_lock(&w->lock);
    w->space_waiters++;
    /* The writer takes the lock after every drain, so a retry under the lock cannot miss it. */
    while ((rc = actr_mpsc_try_push(w->queue, job)) == ACTR_EAGAIN) {
        if (pthread_cond_timedwait(&w->space, &w->lock, &deadline) == ETIMEDOUT) {
            rc = actr_mpsc_try_push(w->queue, job);
            break;
        }
    }
    w->space_waiters--;
    pthread_mutex_unlock(&w->lock);
    return rc;
}

static int push_fail(actr_sqlw_job_t *job, int rc)
{
    job->rc = rc;
    return actr_error_set(&job->err, rc, ACTR_KIND_TRANSIENT, 0,
                          rc == ACTR_EAGAIN    ? "write queue full"
                          : rc == ACTR_ECLOSED ? "writer stopped"
                                               : "out of memory");
}

int actr_sqlw_run(actr_sqlw_t *w, actr_sqlw_job_t *job)
{
    job->detached = 0;
    job->rc = 0;
    if (sem_init(&job->finished, 0, 0) != 0)
        return push_fail(job, ACTR_ENOMEM);
    int rc = push(w, job);
    if (rc == 0) {
        /* No timeout: the writer finishes every job it took, and job may live on our stack. */
        while (sem_wait(&job->finished) != 0 && errno == EINTR)
            ;
        rc = job->rc;
    } else {
        push_fail(job, rc);
    }
    sem_destroy(&job->finished);
    return rc;
}

int actr_sqlw_submit(actr_sqlw_t *w, actr_sqlw_job_t *job)
{
    job->detached = 1;
    job->rc = 0;
    int rc = push(w, job);
    return rc == 0 ? 0 : push_fail(job, rc);
}

uint64_t actr_sqlw_commits(actr_sqlw_t *w)
{
    return atomic_load(&w->commits);
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 2;
    while (p < n && p < ACTR_MPSC_MAX_CAPACITY)
        p <<= 1;
    return p;
}

static void sqlw_free(actr_sqlw_t *w)
{
    for (int i = 0; i < TX_COUNT; i++)
        sqlite3_finalize(w->tx[i]);
    actr_mpsc_free(w->queue);
    free(w->round);
    pthread_cond_destroy(&w->space);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

static int init_sync(actr_sqlw_t *w)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return ACTR_ENOMEM;
    /* Timed waits for room measure the monotonic clock. */
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&w->space, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return ACTR_ENOMEM;
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        pthread_cond_destroy(&w->space);
        return ACTR_ENOMEM;
    }
    return 0;
}

int actr_sqlw_start(sqlite3 *db, size_t capacity, uint32_t full_timeout_ms, actr_sqlw_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    if (!db || capacity == 0 || capacity > ACTR_MPSC_MAX_CAPACITY)
        return ACTR_EINVAL;
    actr_sqlw_t *w = calloc(1, sizeof *w);
    if (!w)
        return ACTR_ENOMEM;
    if (init_sync(w) != 0) {
        free(w);
        return ACTR_ENOMEM;
    }
    w->db = db;
    w->capacity = pow2_at_least(capacity);
    w->full_timeout_ms = full_timeout_ms;
    atomic_init(&w->commits, 0);
    int rc = actr_mpsc_new(w->capacity, &w->queue);
    if (rc == 0 && !(w->round = calloc(w->capacity, sizeof *w->round)))
        rc = ACTR_ENOMEM;
    for (int i = 0; rc == 0 && i < TX_COUNT; i++) {
        int src = sqlite3_prepare_v3(db, tx_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->tx[i], NULL);
        if (src != SQLITE_OK)
            rc = actr_sql_code(src);
    }
    if (rc == 0 && pthread_create(&w->thread, NULL, writer_main, w) != 0)
        rc = ACTR_ENOMEM;
    if (rc != 0) {
        sqlw_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void actr_sqlw_stop(actr_sqlw_t *w)
{
    if (!w)
        return;
    actr_mpsc_close(w->queue);
    pthread_join(w->thread, NULL);
    sqlw_free(w);
}
