/* deadlines.c - one timer for every asynchronous call's deadline (deadlines.h explains why). */
#include "lifecycle/deadlines.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "actr/workload.h"
#include "base/clock.h"
#include "lifecycle/request.h"

typedef struct actr_dl_list {
    int64_t timeout_ms; /* 0: the shared list of other timeouts (sorted by insertion) */
    actr_request_t *head, *tail;
} dl_list_t;

struct actr_deadlines {
    actr_loop_t *loop;
    pthread_mutex_t lock;
    dl_list_t lists[ACTR_DEADLINE_BUCKETS + 1]; /* the last one: the shared list */
    uint32_t nlists;                            /* per-timeout lists in use */
    uint64_t armed_ns; /* what the timer is (about to be) armed for; UINT64_MAX: nothing */
    uv_timer_t timer;  /* loop thread */
    uv_async_t wake;
    int open_handles;
};

#define SHARED ACTR_DEADLINE_BUCKETS

static dl_list_t *list_for(actr_deadlines_t *d, int64_t timeout_ms)
{
    for (uint32_t i = 0; i < d->nlists; i++)
        if (d->lists[i].timeout_ms == timeout_ms)
            return &d->lists[i];
    if (d->nlists < ACTR_DEADLINE_BUCKETS) {
        dl_list_t *l = &d->lists[d->nlists++];
        l->timeout_ms = timeout_ms;
        return l;
    }
    return &d->lists[SHARED];
}

static void link_after(dl_list_t *l, actr_request_t *prev, actr_request_t *req)
{
    actr_call_ext_t *x = req->call;
    x->dl_prev = prev;
    x->dl_next = prev ? prev->call->dl_next : l->head;
    if (x->dl_next)
        x->dl_next->call->dl_prev = req;
    else
        l->tail = req;
    if (prev)
        prev->call->dl_next = req;
    else
        l->head = req;
}

static void unlink_req(actr_request_t *req)
{
    actr_call_ext_t *x = req->call;
    dl_list_t *l = x->dl_list;
    if (x->dl_prev)
        x->dl_prev->call->dl_next = x->dl_next;
    else
        l->head = x->dl_next;
    if (x->dl_next)
        x->dl_next->call->dl_prev = x->dl_prev;
    else
        l->tail = x->dl_prev;
    x->dl_prev = x->dl_next = NULL;
    x->dl_list = NULL;
}

void actr_deadlines_arm(actr_deadlines_t *d, actr_request_t *req, int64_t timeout_ms)
{
    actr_call_ext_t *x = req->call;
    actr_request_ref(req);
    pthread_mutex_lock(&d->lock);
    dl_list_t *l = list_for(d, timeout_ms);
    actr_request_t *prev = l->tail;
    if (l == &d->lists[SHARED]) /* sorted insertion from the back: new deadlines are late ones */
        while (prev && prev->call->deadline_ns > x->deadline_ns)
            prev = prev->call->dl_prev;
    link_after(l, prev, req);
    x->dl_list = l;
    bool earliest = x->deadline_ns < d->armed_ns;
    if (earliest)
        d->armed_ns = x->deadline_ns;
    pthread_mutex_unlock(&d->lock);
    if (earliest)
        uv_async_send(&d->wake);
}

void actr_deadlines_disarm(actr_deadlines_t *d, actr_request_t *req)
{
    pthread_mutex_lock(&d->lock);
    bool armed = req->call->dl_list != NULL;
    if (armed)
        unlink_req(req);
    pthread_mutex_unlock(&d->lock);
    if (armed)
        actr_request_unref(req);
}

/* ---- loop thread ---- */

static void on_fire(uv_timer_t *t);

/* Takes the expired calls out (into *expired, linked by dl_next) and re-arms for the rest. */
static actr_request_t *take_expired(actr_deadlines_t *d)
{
    actr_request_t *expired = NULL, **tail = &expired;
    uint64_t now = actr_clock_mono_ns(), next = UINT64_MAX;
    pthread_mutex_lock(&d->lock);
    for (uint32_t i = 0; i <= SHARED; i++) {
        dl_list_t *l = &d->lists[i];
        while (l->head && l->head->call->deadline_ns <= now) {
            actr_request_t *req = l->head;
            unlink_req(req);
            *tail = req;
            tail = &req->call->dl_next;
        }
        if (l->head && l->head->call->deadline_ns < next)
            next = l->head->call->deadline_ns;
    }
    d->armed_ns = next;
    pthread_mutex_unlock(&d->lock);
    if (next == UINT64_MAX)
        uv_timer_stop(&d->timer);
    else
        uv_timer_start(&d->timer, on_fire, (next - now + 999999u) / 1000000u, 0);
    return expired;
}

static void fire(actr_deadlines_t *d)
{
    actr_request_t *req = take_expired(d);
    while (req) {
        actr_request_t *next = req->call->dl_next;
        req->call->dl_next = NULL;
        actr_error_t te;
        actr_error_set(&te, ACTR_ETIMEDOUT, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT,
                       "timed out");
        actr_request_complete(req, ACTR_ETIMEDOUT, NULL, &te);
        actr_request_unref(req);
        req = next;
    }
}

static void on_fire(uv_timer_t *t)
{
    fire(t->data);
}

static void on_wake(uv_async_t *a)
{
    fire(a->data);
}

static void open_on_loop(uv_loop_t *uv, void *arg)
{
    actr_deadlines_t *d = arg;
    uv_timer_init(uv, &d->timer);
    uv_async_init(uv, &d->wake, on_wake);
    d->timer.data = d->wake.data = d;
    d->open_handles = 2;
}

int actr_deadlines_new(actr_loop_t *loop, actr_deadlines_t **out)
{
    actr_deadlines_t *d = calloc(1, sizeof *d);
    if (!d)
        return ACTR_ENOMEM;
    d->loop = loop;
    d->armed_ns = UINT64_MAX;
    d->lists[SHARED].timeout_ms = 0;
    pthread_mutex_init(&d->lock, NULL);
    int rc = actr_loop_call(loop, open_on_loop, d);
    if (rc != 0) {
        pthread_mutex_destroy(&d->lock);
        free(d);
        return rc;
    }
    *out = d;
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    actr_deadlines_t *d = h->data;
    if (--d->open_handles == 0) {
        pthread_mutex_destroy(&d->lock);
        free(d);
    }
}

static void close_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    actr_deadlines_t *d = arg;
    for (uint32_t i = 0; i <= SHARED; i++)
        while (d->lists[i].head) {
            actr_request_t *req = d->lists[i].head;
            unlink_req(req);
            actr_request_unref(req);
        }
    uv_close((uv_handle_t *)&d->timer, on_closed);
    uv_close((uv_handle_t *)&d->wake, on_closed);
}

void actr_deadlines_free(actr_deadlines_t *d)
{
    if (d)
        actr_loop_call(d->loop, close_on_loop, d);
}
