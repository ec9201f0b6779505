/* request.c - the in-process message, its reply slot, and arming the deadline of async calls. */
#include "lifecycle/request.h"

#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>

#include "actr/workload.h"
#include "base/clock.h"
#include "lifecycle/deadlines.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/reqpool.h"
#include "lifecycle/request_id.h"
#include "lifecycle/spin.h"
#include "lifecycle/workers.h"

typedef struct call_block {
    actr_request_t req;
    actr_call_ext_t ext;
} call_block_t;

_Static_assert(sizeof(actr_request_t) == 128, "a tell request is two cache lines");

actr_request_t *actr_request_of_done_item(actr_item_t *item)
{
    return &((call_block_t *)((char *)item - offsetof(call_block_t, ext.done_item)))->req;
}

static pthread_once_t g_condattr_once = PTHREAD_ONCE_INIT;
static pthread_condattr_t g_condattr;

static void condattr_init(void)
{
    pthread_condattr_init(&g_condattr);
    pthread_condattr_setclock(&g_condattr, CLOCK_MONOTONIC);
}

actr_request_t *actr_request_new(actr_direction_t dir, actr_req_mode_t mode, const char *route_key,
                                 size_t route_len, const actr_buf_t *payload)
{
    actr_buf_t ref = actr_buf_ref(payload);
    actr_request_t *r = actr_request_new_moved(dir, mode, route_key, route_len, &ref);
    actr_buf_release(&ref); /* still ours when out of memory */
    return r;
}

actr_request_t *actr_request_new_moved(actr_direction_t dir, actr_req_mode_t mode,
                                       const char *route_key, size_t route_len,
                                       actr_buf_t *payload)
{
    bool is_call = mode != ACTR_REQ_TELL;
    /* Tells (the hot path) come from the recycling pool; calls are rarer and bigger. */
    actr_request_t *r = is_call ? malloc(sizeof(call_block_t))
                                : actr_reqpool_alloc(sizeof(actr_request_t));
    if (!r)
        return NULL;
    if (route_len < sizeof r->route_inline) {
        r->route_key = r->route_inline;
    } else if (!(r->route_key = malloc(route_len + 1))) {
        if (is_call)
            free(r);
        else
            actr_reqpool_free(r);
        return NULL;
    }
    memcpy(r->route_key, route_key, route_len);
    r->route_key[route_len] = '\0';
    r->item.kind = ACTR_ITEM_REQUEST;
    r->item.counted = 0;
    atomic_init(&r->refs, 1);
    atomic_init(&r->state, ACTR_REQ_PENDING);
    r->direction = (uint8_t)dir;
    r->mode = (uint8_t)mode;
    r->rid = actr_request_id_next();
    r->caller = NULL;
    r->payload = *payload;
    *payload = (actr_buf_t)ACTR_BUF_INIT;
    r->call = NULL;
    if (is_call) {
        actr_call_ext_t *x = &((call_block_t *)r)->ext;
        memset(x, 0, sizeof *x);
        x->done_item.kind = ACTR_ITEM_COMPLETION;
        pthread_once(&g_condattr_once, condattr_init);
        pthread_mutex_init(&x->lock, NULL);
        pthread_cond_init(&x->cond, &g_condattr);
        atomic_init(&x->sleeping, 0);
        r->call = x;
    }
    return r;
}

void actr_request_ref(actr_request_t *req)
{
    atomic_fetch_add_explicit(&req->refs, 1, memory_order_relaxed);
}

void actr_request_unref(actr_request_t *req)
{
    /* The only reference (every in-process tell): nobody else can add one, so no atomic write
     * is needed, and the line the sender wrote is not taken exclusive just to be freed. */
    if (atomic_load_explicit(&req->refs, memory_order_acquire) != 1 &&
        atomic_fetch_sub_explicit(&req->refs, 1, memory_order_acq_rel) != 1)
        return;
    actr_buf_release(&req->payload);
    if (req->route_key != req->route_inline)
        free(req->route_key);
    if (req->caller)
        actr_node_release(req->caller);
    if (req->call) {
        actr_buf_release(&req->call->response);
        free(req->call->error);
        free(req->call->origin);
        pthread_cond_destroy(&req->call->cond);
        pthread_mutex_destroy(&req->call->lock);
        free(req);
    } else {
        actr_reqpool_free(req);
    }
}

bool actr_request_pending(const actr_request_t *req)
{
    return atomic_load_explicit(&req->state, memory_order_acquire) == ACTR_REQ_PENDING;
}

static void fill_error(actr_error_t *dst, int status)
{
    uint32_t wire = actr_wire_code_for_errno(status);
    actr_error_set(dst, status, actr_wire_code_kind(wire), wire, "%s", actr_strerror(status));
}

bool actr_request_complete(actr_request_t *req, int status, actr_buf_t *response,
                           const actr_error_t *err)
{
    actr_call_ext_t *x = req->call;
    int expect = ACTR_REQ_PENDING;
    if (!x || !atomic_compare_exchange_strong_explicit(&req->state, &expect, ACTR_REQ_COMPLETING,
                                                       memory_order_acq_rel,
                                                       memory_order_acquire)) {
        actr_buf_release(response); /* a tell has no reply slot; a loser's answer is dropped */
        return false;
    }
    x->status = status;
    if (status == 0) {
        if (response) {
            x->response = *response;
            *response = (actr_buf_t)ACTR_BUF_INIT;
        }
    } else {
        actr_buf_release(response);
        /* Without memory for the details the waiter synthesizes them from the status. */
        if ((x->error = malloc(sizeof *x->error)) != NULL) {
            if (err && err->code != 0)
                *x->error = *err;
            else
                fill_error(x->error, status);
        }
    }
    if (req->mode == ACTR_REQ_SYNC) {
        /* seq_cst store/load pair with the waiter's sleeping store/state load (Dekker): either
         * the waiter sees DONE, or this side sees it asleep and signals under its lock. */
        atomic_store_explicit(&req->state, ACTR_REQ_DONE, memory_order_seq_cst);
        if (atomic_load_explicit(&x->sleeping, memory_order_seq_cst)) {
            pthread_mutex_lock(&x->lock);
            pthread_cond_signal(&x->cond);
            pthread_mutex_unlock(&x->lock);
        }
    } else {
        atomic_store_explicit(&req->state, ACTR_REQ_DONE, memory_order_release);
        if (x->deliver)
            x->deliver(req);
        else
            actr_request_run_callback(req, NULL);
    }
    return true;
}

static bool is_done(actr_request_t *req)
{
    return atomic_load_explicit(&req->state, memory_order_seq_cst) == ACTR_REQ_DONE;
}

/* Copies the published result out: response reference moves to the caller. */
static int take_result(actr_request_t *req, actr_buf_t *response, actr_error_t *err)
{
    actr_call_ext_t *x = req->call;
    int status = x->status;
    if (status == 0) {
        if (response) {
            *response = x->response;
            x->response = (actr_buf_t)ACTR_BUF_INIT;
        }
        return 0;
    }
    if (err) {
        if (x->error)
            *err = *x->error;
        else
            fill_error(err, status);
    }
    return status;
}

int actr_request_wait(actr_request_t *req, uint32_t spin_us, void (*block_begin)(void *),
                      void (*block_end)(void *), void *block_arg, actr_buf_t *response,
                      actr_error_t *err)
{
    actr_call_ext_t *x = req->call;
    if (spin_us > 0 && !is_done(req)) {
        uint64_t until = actr_clock_mono_ns() + (uint64_t)spin_us * 1000u;
        for (uint32_t i = 1; !is_done(req); i++) {
            actr_cpu_relax();
            if ((i & 63) == 0 && actr_clock_mono_ns() >= until)
                break;
        }
    }
    if (!is_done(req)) {
        /* Sleep; past a short grace tell the pool (block_begin) so it can start a spare. */
        uint64_t grace_end = actr_clock_mono_ns() + ACTR_WORKERS_BLOCK_GRACE_MS * 1000000u;
        bool told = false;
        pthread_mutex_lock(&x->lock);
        atomic_store_explicit(&x->sleeping, 1, memory_order_seq_cst);
        bool expired = false;
        while (!is_done(req) && !expired) {
            uint64_t until = x->deadline_ns;
            if (!told && block_begin && (until == 0 || until > grace_end))
                until = grace_end;
            struct timespec ts = {(time_t)(until / 1000000000u), (long)(until % 1000000000u)};
            if (until == 0) {
                pthread_cond_wait(&x->cond, &x->lock);
            } else if (pthread_cond_timedwait(&x->cond, &x->lock, &ts) != 0) {
                uint64_t now = actr_clock_mono_ns();
                expired = x->deadline_ns && now >= x->deadline_ns;
                if (!told && !expired && block_begin && now >= grace_end) {
                    pthread_mutex_unlock(&x->lock);
                    block_begin(block_arg);
                    told = true;
                    pthread_mutex_lock(&x->lock);
                }
            }
        }
        pthread_mutex_unlock(&x->lock);
        if (expired && !is_done(req)) {
            actr_error_t te;
            actr_error_set(&te, ACTR_ETIMEDOUT, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT,
                           "timed out");
            actr_request_complete(req, ACTR_ETIMEDOUT, NULL, &te);
            /* Lost the race: the answer is being written; it is published within a few
             * instructions. */
            while (!is_done(req))
                sched_yield();
        }
        if (told && block_end)
            block_end(block_arg);
    }
    return take_result(req, response, err);
}

/* ---- deadlines of asynchronous calls (lifecycle/deadlines.c) ---------------------------------- */

void actr_request_arm_timer(actr_request_t *req, struct actr_deadlines *deadlines,
                            int64_t timeout_ms)
{
    req->call->deadlines = deadlines;
    actr_deadlines_arm(deadlines, req, timeout_ms);
}

void actr_request_run_callback(actr_request_t *req, actr_ctx_t *ctx)
{
    actr_call_ext_t *x = req->call;
    actr_error_t local;
    const actr_error_t *err = x->error;
    if (x->status != 0 && !err) {
        fill_error(&local, x->status);
        err = &local;
    }
    actr_buf_t empty = ACTR_BUF_INIT;
    x->cb(ctx, x->userdata, x->status, x->status == 0 ? &x->response : &empty, err);
    if (x->deadlines) /* the answer is in: drop the deadline now, not when it would fire */
        actr_deadlines_disarm(x->deadlines, req);
}
