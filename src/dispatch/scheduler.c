/*
 * scheduler.c - per-actor conflict-key scheduler for a pull-model worker pool (spec: runtime.md
 * §8.2; contract in scheduler.h).
 *
 * State, under one mutex: a lane per scoped key with queued or in-flight work (hash map from the
 * key bytes; created on the first job, freed when idle), one permanent Serial lane, a FIFO of
 * ready lanes (scoped keys with queued work and nothing in flight, served round-robin), and the
 * permit count. Submitters blocked on permits wait in a FIFO, each on its own condition
 * variable; a freed permit is handed straight to the oldest one, so a try-submit cannot jump
 * the queue and nobody starves.
 */
#include "dispatch/scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "base/clock.h"
#include "base/hashmap.h"

struct actr_sched_lane {
    struct actr_sched_lane *ready_next;
    actr_sched_job_t *head, *tail; /* queued jobs, oldest first */
    bool in_ready;                 /* linked in the ready FIFO */
    bool active;                   /* a job of this key is in flight */
    size_t key_len;
    uint8_t key[]; /* identity bytes (empty for the Serial lane) */
};
typedef struct actr_sched_lane lane_t;

/* A submitter blocked on a permit. Lives on its stack. */
typedef struct permit_waiter {
    struct permit_waiter *next;
    pthread_cond_t cond;
    bool granted; /* a permit was handed over: admitted already counts it */
} permit_waiter_t;

struct actr_sched {
    pthread_mutex_t mu;
    pthread_cond_t drained_cond;
    actr_hmap_t *lanes; /* key bytes -> lane_t, scoped keys only */
    lane_t *serial;
    lane_t *ready_head, *ready_tail;
    permit_waiter_t *wait_head, *wait_tail;
    uint32_t budget, queue_cap;
    uint32_t admitted; /* permits taken: queued + in flight + granted, not yet enqueued */
    uint32_t queued, in_flight, peak_in_flight;
    bool serial_active, closed, want_space;
    uint64_t submitted, completed, blocked, refused, serial_started;
    void (*on_space)(void *ud);
    void *on_space_ud;
};

/* Marks a job handed out by next(), so a stray done() is caught instead of corrupting state. */
#define JOB_IN_FLIGHT ((actr_sched_job_t *)(uintptr_t)1)

void actr_sched_config_init(actr_sched_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->budget = ACTR_SCHED_DEFAULT_BUDGET;
    cfg->queue_cap = ACTR_SCHED_DEFAULT_QUEUE_CAP;
}

static lane_t *lane_new(const uint8_t *key, size_t key_len)
{
    lane_t *l = calloc(1, sizeof *l + key_len);
    if (l && key_len) {
        memcpy(l->key, key, key_len);
        l->key_len = key_len;
    }
    return l;
}

static int cond_init_mono(pthread_cond_t *c)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return ACTR_ENOMEM;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(c, &attr);
    pthread_condattr_destroy(&attr);
    return rc == 0 ? 0 : ACTR_ENOMEM;
}

/* Waits on c until signalled or the deadline (NULL: none). Returns ETIMEDOUT or 0. */
static int cond_wait_until(pthread_cond_t *c, pthread_mutex_t *mu, const struct timespec *dl)
{
    return dl ? pthread_cond_timedwait(c, mu, dl) : pthread_cond_wait(c, mu);
}

int actr_sched_new(const actr_sched_config_t *cfg, actr_sched_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    actr_sched_config_t defaults;
    if (!cfg) {
        actr_sched_config_init(&defaults);
        cfg = &defaults;
    }
    if (cfg->budget < 1 || cfg->queue_cap < cfg->budget ||
        cfg->queue_cap > ACTR_SCHED_MAX_QUEUE_CAP)
        return ACTR_EINVAL;
    actr_sched_t *s = calloc(1, sizeof *s);
    if (!s)
        return ACTR_ENOMEM;
    s->budget = cfg->budget;
    s->queue_cap = cfg->queue_cap;
    s->on_space = cfg->on_space;
    s->on_space_ud = cfg->on_space_ud;
    s->serial = lane_new(NULL, 0);
    if (!s->serial || actr_hmap_new(ACTR_HMAP_KEY_BYTES, cfg->budget * 2u, &s->lanes) != 0)
        goto fail;
    if (pthread_mutex_init(&s->mu, NULL) != 0)
        goto fail;
    if (cond_init_mono(&s->drained_cond) != 0) {
        pthread_mutex_destroy(&s->mu);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    actr_hmap_free(s->lanes, NULL);
    free(s->serial);
    free(s);
    return ACTR_ENOMEM;
}

static void drop_lane_jobs(lane_t *l, void (*drop)(void *ud, actr_sched_job_t *job), void *ud)
{
    actr_sched_job_t *j = l->head;
    while (j) {
        actr_sched_job_t *next = j->next_;
        j->next_ = NULL;
        j->lane_ = NULL;
        if (drop)
            drop(ud, j);
        j = next;
    }
    l->head = l->tail = NULL;
}

void actr_sched_free(actr_sched_t *s, void (*drop)(void *ud, actr_sched_job_t *job), void *ud)
{
    if (!s)
        return;
    drop_lane_jobs(s->serial, drop, ud);
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    for (actr_hmap_iter_init(s->lanes, &it); actr_hmap_iter_next(&it, &e);)
        drop_lane_jobs(e.value, drop, ud);
    actr_hmap_free(s->lanes, free);
    free(s->serial);
    pthread_cond_destroy(&s->drained_cond);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* ---- permits ---- */

/* Gives a permit back: to the oldest blocked submitter if any, else to the pool. Returns
 * whether on_space should be called (after unlocking). */
static bool release_permit_locked(actr_sched_t *s)
{
    permit_waiter_t *w = s->wait_head;
    if (w) {
        s->wait_head = w->next;
        if (!s->wait_head)
            s->wait_tail = NULL;
        w->next = NULL;
        w->granted = true;
        pthread_cond_signal(&w->cond);
        return false;
    }
    s->admitted--;
    if (s->closed && s->admitted == 0)
        pthread_cond_broadcast(&s->drained_cond);
    if (!s->want_space || s->closed)
        return false;
    s->want_space = false;
    return s->on_space != NULL;
}

static void unlink_waiter(actr_sched_t *s, permit_waiter_t *w)
{
    permit_waiter_t **pp = &s->wait_head, *prev = NULL;
    while (*pp && *pp != w) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = w->next;
    if (s->wait_tail == w)
        s->wait_tail = prev;
    w->next = NULL;
}

/* Takes a permit, blocking up to timeout_ms (see submit). Returns 0, ACTR_EAGAIN or
 * ACTR_ECLOSED; *space tells the caller to call on_space after unlocking. */
static int acquire_permit_locked(actr_sched_t *s, int64_t timeout_ms, bool *space)
{
    if (s->closed)
        return ACTR_ECLOSED;
    if (s->admitted < s->queue_cap && !s->wait_head) {
        s->admitted++;
        return 0;
    }
    if (timeout_ms == 0) {
        s->refused++;
        s->want_space = true;
        return ACTR_EAGAIN;
    }
    permit_waiter_t w = {.next = NULL, .granted = false};
    if (cond_init_mono(&w.cond) != 0)
        return ACTR_EAGAIN;
    struct timespec dl;
    if (timeout_ms > 0)
        actr_clock_mono_deadline((uint64_t)timeout_ms * 1000000u, &dl);
    if (s->wait_tail)
        s->wait_tail->next = &w;
    else
        s->wait_head = &w;
    s->wait_tail = &w;
    s->blocked++;
    int rc = 0;
    while (!w.granted && !s->closed && rc != ETIMEDOUT)
        rc = cond_wait_until(&w.cond, &s->mu, timeout_ms > 0 ? &dl : NULL);
    int result;
    if (w.granted && !s->closed) {
        result = 0;
    } else if (w.granted) {
        *space = release_permit_locked(s) || *space;
        result = ACTR_ECLOSED;
    } else {
        unlink_waiter(s, &w);
        result = s->closed ? ACTR_ECLOSED : ACTR_EAGAIN;
        if (result == ACTR_EAGAIN) {
            s->refused++;
            s->want_space = true;
        }
    }
    pthread_cond_destroy(&w.cond);
    return result;
}

/* ---- queues ---- */

static void ready_push(actr_sched_t *s, lane_t *l)
{
    if (l->in_ready)
        return;
    l->in_ready = true;
    l->ready_next = NULL;
    if (s->ready_tail)
        s->ready_tail->ready_next = l;
    else
        s->ready_head = l;
    s->ready_tail = l;
}

static lane_t *ready_pop(actr_sched_t *s)
{
    lane_t *l = s->ready_head;
    if (!l)
        return NULL;
    s->ready_head = l->ready_next;
    if (!s->ready_head)
        s->ready_tail = NULL;
    l->ready_next = NULL;
    l->in_ready = false;
    return l;
}

static lane_t *lane_for_key(actr_sched_t *s, const actr_conflict_key_t *key)
{
    size_t len;
    const uint8_t *bytes = actr_conflict_key_bytes(key, &len);
    if (!bytes)
        return s->serial;
    void *found;
    if (actr_hmap_get(s->lanes, bytes, len, &found) == 0)
        return found;
    lane_t *l = lane_new(bytes, len);
    if (!l)
        return NULL;
    if (actr_hmap_insert(s->lanes, bytes, len, l) != 0) {
        free(l);
        return NULL;
    }
    return l;
}

static bool runnable_locked(const actr_sched_t *s)
{
    if (s->serial_active)
        return false;
    if (s->serial->head)
        return s->in_flight == 0;
    return s->in_flight < s->budget && s->ready_head != NULL;
}

int actr_sched_submit(actr_sched_t *s, actr_sched_job_t *job, const actr_conflict_key_t *key,
                      int64_t timeout_ms, bool *runnable)
{
    if (runnable)
        *runnable = false;
    if (!s || !job)
        return ACTR_EINVAL;
    bool space = false;
    pthread_mutex_lock(&s->mu);
    int rc = acquire_permit_locked(s, timeout_ms, &space);
    if (rc == 0) {
        lane_t *l = lane_for_key(s, key);
        if (!l) {
            space = release_permit_locked(s) || space;
            rc = ACTR_ENOMEM;
        } else {
            job->next_ = NULL;
            job->lane_ = l;
            if (l->tail)
                l->tail->next_ = job;
            else
                l->head = job;
            l->tail = job;
            s->queued++;
            s->submitted++;
            if (l != s->serial && !l->active)
                ready_push(s, l);
            if (runnable)
                *runnable = runnable_locked(s);
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (space)
        s->on_space(s->on_space_ud);
    return rc;
}

static actr_sched_job_t *start_locked(actr_sched_t *s, lane_t *l)
{
    actr_sched_job_t *job = l->head;
    l->head = job->next_;
    if (!l->head)
        l->tail = NULL;
    job->next_ = JOB_IN_FLIGHT;
    l->active = true;
    s->queued--;
    s->in_flight++;
    if (s->in_flight > s->peak_in_flight)
        s->peak_in_flight = s->in_flight;
    if (l == s->serial) {
        s->serial_active = true;
        s->serial_started++;
    }
    return job;
}

actr_sched_job_t *actr_sched_next(actr_sched_t *s, bool *more)
{
    actr_sched_job_t *job = NULL;
    pthread_mutex_lock(&s->mu);
    if (runnable_locked(s))
        job = start_locked(s, s->serial->head ? s->serial : ready_pop(s));
    if (more)
        *more = runnable_locked(s);
    pthread_mutex_unlock(&s->mu);
    return job;
}

bool actr_sched_done(actr_sched_t *s, actr_sched_job_t *job)
{
    if (!s || !job || job->next_ != JOB_IN_FLIGHT)
        return false;
    pthread_mutex_lock(&s->mu);
    lane_t *l = job->lane_;
    job->next_ = NULL;
    job->lane_ = NULL;
    l->active = false;
    s->in_flight--;
    s->completed++;
    if (l == s->serial) {
        s->serial_active = false;
    } else if (l->head) {
        ready_push(s, l); /* back to the tail: round-robin */
    } else {
        actr_hmap_remove(s->lanes, l->key, l->key_len, NULL);
        free(l);
    }
    bool space = release_permit_locked(s);
    bool runnable = runnable_locked(s);
    pthread_mutex_unlock(&s->mu);
    if (space)
        s->on_space(s->on_space_ud);
    return runnable;
}

bool actr_sched_runnable(actr_sched_t *s)
{
    pthread_mutex_lock(&s->mu);
    bool r = runnable_locked(s);
    pthread_mutex_unlock(&s->mu);
    return r;
}

void actr_sched_close(actr_sched_t *s)
{
    pthread_mutex_lock(&s->mu);
    s->closed = true;
    for (permit_waiter_t *w = s->wait_head; w; w = w->next)
        pthread_cond_signal(&w->cond);
    if (s->admitted == 0)
        pthread_cond_broadcast(&s->drained_cond);
    pthread_mutex_unlock(&s->mu);
}

bool actr_sched_drained(actr_sched_t *s)
{
    pthread_mutex_lock(&s->mu);
    bool d = s->closed && s->admitted == 0;
    pthread_mutex_unlock(&s->mu);
    return d;
}

int actr_sched_wait_drained(actr_sched_t *s, int64_t timeout_ms)
{
    struct timespec dl;
    if (timeout_ms > 0)
        actr_clock_mono_deadline((uint64_t)timeout_ms * 1000000u, &dl);
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    if (!s->closed) {
        rc = ACTR_ESTATE;
    } else {
        int wrc = 0;
        while (s->admitted > 0 && wrc != ETIMEDOUT && timeout_ms != 0)
            wrc = cond_wait_until(&s->drained_cond, &s->mu, timeout_ms > 0 ? &dl : NULL);
        if (s->admitted > 0)
            rc = ACTR_ETIMEDOUT;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int actr_sched_shutdown(actr_sched_t *s, int64_t timeout_ms)
{
    actr_sched_close(s);
    return actr_sched_wait_drained(s, timeout_ms);
}

void actr_sched_stats(actr_sched_t *s, actr_sched_stats_t *out)
{
    pthread_mutex_lock(&s->mu);
    out->submitted = s->submitted;
    out->completed = s->completed;
    out->blocked = s->blocked;
    out->refused = s->refused;
    out->serial_started = s->serial_started;
    out->queued = s->queued;
    out->in_flight = s->in_flight;
    out->peak_in_flight = s->peak_in_flight;
    out->lanes = (uint32_t)actr_hmap_count(s->lanes);
    out->budget = s->budget;
    out->queue_cap = s->queue_cap;
    pthread_mutex_unlock(&s->mu);
}

bool actr_dispatch_serial_forced(void)
{
    const char *v = getenv("ACTR_DISPATCH_SERIAL");
    if (!v)
        return false;
    return strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "TRUE") == 0 ||
           strcmp(v, "yes") == 0;
}

bool actr_dispatch_engaged(bool enabled, const actr_conflict_spec_t *spec)
{
    return enabled && !actr_dispatch_serial_forced() && actr_conflict_spec_count(spec) > 0;
}
