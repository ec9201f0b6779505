/*
 * dedup.c - receiver dedup by request_id with O(1) amortised expiry (contract in dedup.h).
 *
 * Every entry is in the hash map (id -> entry) and, until it expires, in the `all` list ordered
 * by receipt time (appended at check time, and the clock never goes back, so the list stays
 * sorted). Completed entries are also in the `done` list ordered by completion, which gives the
 * entry to forget when the table is full. Expiry pops the head of `all` while it is past its
 * TTL: completed heads are freed; in-flight heads are only unlinked ("unlisted") and freed when
 * they complete. Each entry is popped once, so the cost per call is O(1) amortised.
 */
#include "lifecycle/dedup.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/hashmap.h"

struct actr_dedup_waiter {
    struct actr_dedup_waiter *next;      /* the entry's waiters */
    struct actr_dedup_waiter *fire_next; /* callbacks to run after unlocking */
    int refs;                            /* the entry's and the caller's */
    bool done, fired;
    actr_dedup_result_t result;
    actr_dedup_done_fn fn;
    void *ud;
};

typedef struct dd_entry {
    struct dd_entry *all_prev, *all_next;   /* receipt order */
    struct dd_entry *done_prev, *done_next; /* completion order */
    uint64_t received_ms;
    bool completed;
    bool listed; /* in the `all` list (false once expired while in flight) */
    actr_dedup_waiter_t *waiters;
    int code;
    actr_buf_t payload;
    actr_error_t *error; /* failures only */
    size_t id_len;
    char id[];
} dd_entry_t;

typedef struct dd_list {
    dd_entry_t *head, *tail;
} dd_list_t;

struct actr_dedup {
    pthread_mutex_t mu;
    pthread_cond_t cond; /* broadcast when an entry with blocked waiters completes */
    actr_hmap_t *map;
    dd_list_t all, done;
    uint64_t ttl_ms;
    size_t max_entries;
    uint64_t (*now_ms)(void *ud);
    void *clock_ud;
    uint64_t last_now;
    size_t in_flight;
    actr_dedup_stats_t st;
};

/* ---- intrusive lists (one pair of link fields per list) ---- */

#define LIST_APPEND(list, e, prev, next)  \
    do {                                  \
        (e)->prev = (list)->tail;         \
        (e)->next = NULL;                 \
        if ((list)->tail)                 \
            (list)->tail->next = (e);     \
        else                              \
            (list)->head = (e);           \
        (list)->tail = (e);               \
    } while (0)

#define LIST_UNLINK(list, e, prev, next)     \
    do {                                     \
        if ((e)->prev)                       \
            (e)->prev->next = (e)->next;     \
        else                                 \
            (list)->head = (e)->next;        \
        if ((e)->next)                       \
            (e)->next->prev = (e)->prev;     \
        else                                 \
            (list)->tail = (e)->prev;        \
        (e)->prev = (e)->next = NULL;        \
    } while (0)

void actr_dedup_config_init(actr_dedup_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->ttl_ms = ACTR_DEDUP_TTL_MS;
    cfg->max_entries = ACTR_DEDUP_DEFAULT_MAX_ENTRIES;
}

void actr_dedup_result_release(actr_dedup_result_t *r)
{
    if (r)
        actr_buf_release(&r->payload);
}

int64_t actr_dedup_wait_ms(int64_t request_timeout_ms)
{
    return request_timeout_ms > 0 ? request_timeout_ms : ACTR_DEDUP_DEFAULT_WAIT_MS;
}

int actr_dedup_new(const actr_dedup_config_t *cfg, actr_dedup_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    actr_dedup_config_t defaults;
    if (!cfg) {
        actr_dedup_config_init(&defaults);
        cfg = &defaults;
    }
    if (cfg->ttl_ms == 0 || cfg->max_entries == 0)
        return ACTR_EINVAL;
    actr_dedup_t *d = calloc(1, sizeof *d);
    if (!d)
        return ACTR_ENOMEM;
    d->ttl_ms = cfg->ttl_ms;
    d->max_entries = cfg->max_entries;
    d->now_ms = cfg->now_ms;
    d->clock_ud = cfg->clock_ud;
    pthread_condattr_t attr;
    int ok = actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &d->map) == 0;
    if (ok && pthread_mutex_init(&d->mu, NULL) != 0) {
        actr_hmap_free(d->map, NULL);
        ok = 0;
    }
    if (ok) {
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        if (pthread_cond_init(&d->cond, &attr) != 0) {
            pthread_mutex_destroy(&d->mu);
            actr_hmap_free(d->map, NULL);
            ok = 0;
        }
        pthread_condattr_destroy(&attr);
    }
    if (!ok) {
        free(d);
        return ACTR_ENOMEM;
    }
    *out = d;
    return 0;
}

static void waiter_unref_locked(actr_dedup_waiter_t *w);

static void entry_free(dd_entry_t *e)
{
    /* Only a table being freed has entries with waiters left: drop their references. */
    for (actr_dedup_waiter_t *w = e->waiters, *next; w; w = next) {
        next = w->next;
        waiter_unref_locked(w);
    }
    actr_buf_release(&e->payload);
    free(e->error);
    free(e);
}

static void entry_free_value(void *v)
{
    entry_free(v);
}

void actr_dedup_free(actr_dedup_t *d)
{
    if (!d)
        return;
    actr_hmap_free(d->map, entry_free_value);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

/* ---- time and expiry ---- */

static uint64_t now_locked(actr_dedup_t *d)
{
    uint64_t now = d->now_ms ? d->now_ms(d->clock_ud) : actr_clock_mono_ms();
    if (now < d->last_now)
        now = d->last_now;
    d->last_now = now;
    return now;
}

static bool expired(const actr_dedup_t *d, const dd_entry_t *e, uint64_t now)
{
    return now - e->received_ms >= d->ttl_ms;
}

/* Removes a completed entry from everything and frees it. */
static void forget(actr_dedup_t *d, dd_entry_t *e)
{
    if (e->listed)
        LIST_UNLINK(&d->all, e, all_prev, all_next);
    if (e->completed)
        LIST_UNLINK(&d->done, e, done_prev, done_next);
    actr_hmap_remove(d->map, e->id, e->id_len, NULL);
    entry_free(e);
}

static size_t sweep_locked(actr_dedup_t *d, uint64_t now)
{
    size_t freed = 0;
    for (dd_entry_t *e = d->all.head; e; e = d->all.head) {
        d->st.sweep_visits++;
        if (!expired(d, e, now))
            break;
        if (e->completed) {
            forget(d, e);
            freed++;
        } else {
            LIST_UNLINK(&d->all, e, all_prev, all_next);
            e->listed = false; /* freed when it completes */
        }
    }
    d->st.expired += freed;
    return freed;
}

size_t actr_dedup_expire(actr_dedup_t *d)
{
    pthread_mutex_lock(&d->mu);
    size_t n = sweep_locked(d, now_locked(d));
    pthread_mutex_unlock(&d->mu);
    return n;
}

/* ---- results ---- */

/* A holder's copy of an entry's result: one more payload reference, the error copied. */
static void result_copy(const dd_entry_t *e, actr_dedup_result_t *out)
{
    out->code = e->code;
    out->payload = actr_buf_ref(&e->payload);
    if (e->error)
        out->error = *e->error;
    else
        actr_error_clear(&out->error);
}

static actr_dedup_waiter_t *waiter_new(void)
{
    actr_dedup_waiter_t *w = calloc(1, sizeof *w);
    if (w)
        w->refs = 2;
    return w;
}

static void waiter_unref_locked(actr_dedup_waiter_t *w)
{
    if (--w->refs == 0) {
        actr_dedup_result_release(&w->result);
        free(w);
    }
}

/* ---- check ---- */

/* Makes room for one more entry. Returns 0 or ACTR_EAGAIN (everything is in flight). */
static int make_room_locked(actr_dedup_t *d)
{
    if (actr_hmap_count(d->map) < d->max_entries)
        return 0;
    dd_entry_t *oldest = d->done.head;
    if (!oldest)
        return ACTR_EAGAIN;
    forget(d, oldest);
    d->st.evicted++;
    return 0;
}

static int insert_fresh_locked(actr_dedup_t *d, const char *id, size_t id_len, uint64_t now)
{
    int rc = make_room_locked(d);
    if (rc != 0)
        return rc;
    dd_entry_t *e = calloc(1, sizeof *e + id_len);
    if (!e)
        return ACTR_ENOMEM;
    if (id_len)
        memcpy(e->id, id, id_len);
    e->id_len = id_len;
    e->received_ms = now;
    rc = actr_hmap_insert(d->map, id, id_len, e);
    if (rc != 0) {
        free(e);
        return rc;
    }
    e->listed = true;
    LIST_APPEND(&d->all, e, all_prev, all_next);
    d->in_flight++;
    return 0;
}

int actr_dedup_check(actr_dedup_t *d, const char *id, size_t id_len, bool want_waiter,
                     actr_dedup_check_t *out)
{
    if (!d || !out || (!id && id_len) || id_len > ACTR_DEDUP_MAX_ID)
        return ACTR_EINVAL;
    memset(out, 0, sizeof *out);
    int rc = 0;
    pthread_mutex_lock(&d->mu);
    uint64_t now = now_locked(d);
    sweep_locked(d, now);
    void *found;
    if (actr_hmap_get(d->map, id, id_len, &found) != 0) {
        rc = insert_fresh_locked(d, id, id_len, now);
        if (rc == 0) {
            out->state = ACTR_DEDUP_FRESH;
            d->st.fresh++;
        } else if (rc == ACTR_EAGAIN) {
            d->st.refused++;
        }
    } else {
        dd_entry_t *e = found;
        if (e->completed) {
            out->state = ACTR_DEDUP_DUPLICATE;
            result_copy(e, &out->result);
            d->st.duplicates++;
        } else {
            out->state = ACTR_DEDUP_IN_FLIGHT;
            d->st.in_flight_hits++;
            if (want_waiter) {
                actr_dedup_waiter_t *w = waiter_new();
                if (!w) {
                    rc = ACTR_ENOMEM;
                } else {
                    w->next = e->waiters;
                    e->waiters = w;
                    out->waiter = w;
                }
            }
        }
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}

/* ---- complete ---- */

int actr_dedup_complete(actr_dedup_t *d, const char *id, size_t id_len, int code,
                        const actr_buf_t *payload, const actr_error_t *err)
{
    if (!d || (!id && id_len))
        return ACTR_EINVAL;
    pthread_mutex_lock(&d->mu);
    uint64_t now = now_locked(d);
    void *found;
    if (actr_hmap_get(d->map, id, id_len, &found) != 0) {
        pthread_mutex_unlock(&d->mu);
        return ACTR_ENOTFOUND;
    }
    dd_entry_t *e = found;
    if (e->completed) {
        pthread_mutex_unlock(&d->mu);
        return ACTR_ESTATE;
    }
    e->code = code;
    if (code == 0) {
        e->payload = actr_buf_ref(payload);
    } else {
        e->error = calloc(1, sizeof *e->error);
        if (e->error && err)
            *e->error = *err;
        else if (e->error)
            actr_error_set(e->error, code, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL, "%s",
                           actr_strerror(code));
    }
    e->completed = true;
    d->in_flight--;
    LIST_APPEND(&d->done, e, done_prev, done_next);

    /* Hand the result to every waiter; callbacks run after unlocking. */
    actr_dedup_waiter_t *fire = NULL;
    bool wake = false;
    for (actr_dedup_waiter_t *w = e->waiters, *next; w; w = next) {
        next = w->next;
        w->next = NULL;
        result_copy(e, &w->result);
        w->done = true;
        if (w->fn) {
            w->fired = true;
            w->fire_next = fire;
            fire = w;
        } else {
            wake = true;
            waiter_unref_locked(w);
        }
    }
    e->waiters = NULL;
    if (wake)
        pthread_cond_broadcast(&d->cond);
    /* Completed after its TTL (or unlisted by the sweep): nothing to remember. */
    if (!e->listed || expired(d, e, now)) {
        forget(d, e);
        d->st.expired++;
    }
    sweep_locked(d, now);
    pthread_mutex_unlock(&d->mu);

    while (fire) {
        actr_dedup_waiter_t *w = fire;
        fire = w->fire_next;
        w->fn(w->ud, &w->result);
        pthread_mutex_lock(&d->mu);
        waiter_unref_locked(w);
        pthread_mutex_unlock(&d->mu);
    }
    return 0;
}

/* ---- waiters ---- */

int actr_dedup_wait(actr_dedup_t *d, actr_dedup_waiter_t *w, int64_t timeout_ms,
                    actr_dedup_result_t *out)
{
    if (!d || !w || !out)
        return ACTR_EINVAL;
    struct timespec dl;
    if (timeout_ms > 0)
        actr_clock_mono_deadline((uint64_t)timeout_ms * 1000000u, &dl);
    pthread_mutex_lock(&d->mu);
    int rc = 0;
    while (!w->done && rc != ETIMEDOUT && timeout_ms != 0)
        rc = timeout_ms > 0 ? pthread_cond_timedwait(&d->cond, &d->mu, &dl)
                            : pthread_cond_wait(&d->cond, &d->mu);
    int result = ACTR_ETIMEDOUT;
    if (w->done) {
        out->code = w->result.code;
        out->payload = actr_buf_ref(&w->result.payload);
        out->error = w->result.error;
        result = 0;
    }
    pthread_mutex_unlock(&d->mu);
    return result;
}

int actr_dedup_waiter_on_done(actr_dedup_t *d, actr_dedup_waiter_t *w, actr_dedup_done_fn fn,
                              void *ud)
{
    if (!d || !w || !fn)
        return ACTR_EINVAL;
    pthread_mutex_lock(&d->mu);
    if (w->fn) {
        pthread_mutex_unlock(&d->mu);
        return ACTR_ESTATE;
    }
    w->fn = fn;
    w->ud = ud;
    bool now = w->done;
    if (now)
        w->fired = true;
    pthread_mutex_unlock(&d->mu);
    if (now)
        fn(ud, &w->result); /* done results never change: safe to read unlocked */
    return 0;
}

bool actr_dedup_waiter_release(actr_dedup_t *d, actr_dedup_waiter_t *w)
{
    if (!d || !w)
        return false;
    pthread_mutex_lock(&d->mu);
    bool cancelled = w->fn && !w->fired;
    /* Still listed on its entry: completion will skip the cancelled callback (and drop the
     * entry's reference) because fn is cleared. */
    if (cancelled)
        w->fn = NULL;
    waiter_unref_locked(w);
    pthread_mutex_unlock(&d->mu);
    return cancelled;
}

void actr_dedup_stats(actr_dedup_t *d, actr_dedup_stats_t *out)
{
    pthread_mutex_lock(&d->mu);
    *out = d->st;
    out->entries = actr_hmap_count(d->map);
    out->in_flight = d->in_flight;
    pthread_mutex_unlock(&d->mu);
}
