/* actor.c - one node's serial executor: scheduling on the worker pool, turns of up to `batch`
 * items, lifecycle entries, the stop barrier and the deadlock check of synchronous calls. */
#include "lifecycle/actor.h"

#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actr/log.h"
#include "base/buf_batch.h"
#include "lifecycle/hooks.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/spin.h"

#define ACTOR_OF(r) ((actr_actor_t *)((char *)(r) - offsetof(actr_actor_t, runnable)))
#define REQ_OF(it, field) ((actr_request_t *)((char *)(it) - offsetof(actr_request_t, field)))
/* Polls of an empty inbox per turn before the actor is released (~1-2 us). */
#define LINGER_POLLS 64
/* Longest chain of blocked actors followed by the deadlock check. */
#define WAIT_CHAIN_MAX 64

/* A lifecycle entry queued by actr_actor_run_lifecycle(); the starter waits on `done`. */
typedef struct lifecycle_item {
    actr_item_t item;
    int which;
    int rc;
    actr_error_t err;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
} lifecycle_item_t;

typedef enum item_outcome {
    ITEM_DONE = 0,
    ITEM_YIELD, /* the stop barrier went back to the tail: end this turn */
} item_outcome_t;

static _Thread_local actr_actor_t *tl_current;
/* The entry running on this thread runs beside other entries of tl_current (engaged actor,
 * scoped key): it must not touch the actor's serial context. */
static _Thread_local bool tl_concurrent;

/*
 * Releases a turn defers: consecutive tells usually share their payload buffer and caller, and
 * their sender keeps taking references on those; releasing each one at once would bounce the
 * refcount's cache line between the two cores on every message. A turn instead counts
 * consecutive releases of the same object and drops them together when the object changes or
 * the turn ends. Only for tells: a call's payload must be released before it is answered.
 */
typedef struct defer {
    actr_buf_t buf;
    uint32_t nbuf;
    struct actr_node *node;
    uint32_t nnode;
} defer_t;

static _Thread_local defer_t *tl_defer;

static void defer_flush(defer_t *d)
{
    actr_buf_release_n(&d->buf, d->nbuf);
    d->nbuf = 0;
    actr_node_release_n(d->node, d->nnode);
    d->nnode = 0;
}

/* Takes over the tell's payload and caller references. */
static void defer_tell(defer_t *d, actr_request_t *req)
{
    if (req->payload.block) {
        if (d->nbuf && d->buf.block != req->payload.block) {
            actr_buf_release_n(&d->buf, d->nbuf);
            d->nbuf = 0;
        }
        d->buf = req->payload;
        d->nbuf++;
        req->payload = (actr_buf_t)ACTR_BUF_INIT;
    }
    if (req->caller) {
        if (d->nnode && d->node != req->caller) {
            actr_node_release_n(d->node, d->nnode);
            d->nnode = 0;
        }
        d->node = req->caller;
        d->nnode++;
        req->caller = NULL;
    }
}

static actr_run_result_t actor_run(actr_runnable_t *r, uint32_t batch);
static actr_run_result_t actor_turn(actr_actor_t *a, uint32_t batch, bool linger);

int actr_actor_init(actr_actor_t *a, struct actr_node *node, actr_workers_t *workers,
                    uint32_t inbox_capacity, uint32_t hook_capacity)
{
    memset(a, 0, sizeof *a);
    int rc = actr_inbox_init(&a->inbox, inbox_capacity);
    if (rc != 0)
        return rc;
    if (pthread_mutex_init(&a->out_lock, NULL) != 0) {
        actr_inbox_destroy(&a->inbox);
        return ACTR_ENOMEM;
    }
    a->runnable.run = actor_run;
    a->node = node;
    a->workers = workers;
    a->hook_capacity = hook_capacity;
    a->stop_item.kind = ACTR_ITEM_STOP;
    atomic_init(&a->scheduled, 0);
    a->waiting_on = NULL;
    atomic_init(&a->hooks_queued, 0);
    atomic_init(&a->hooks_dropped, 0);
    atomic_init(&a->in_run, 0);
    return 0;
}

void actr_actor_destroy(actr_actor_t *a)
{
    actr_actor_sched_destroy(a);
    pthread_mutex_destroy(&a->out_lock);
    actr_inbox_destroy(&a->inbox);
}

actr_actor_t *actr_actor_current(void)
{
    return tl_current;
}

bool actr_actor_serial_entry(const actr_actor_t *a)
{
    return tl_current == a && !tl_concurrent;
}

actr_actor_tls_t actr_actor_enter(actr_actor_t *a, bool concurrent)
{
    actr_actor_tls_t saved = {tl_current, tl_concurrent};
    tl_current = a;
    tl_concurrent = concurrent;
    return saved;
}

void actr_actor_leave(actr_actor_tls_t saved)
{
    tl_current = saved.current;
    tl_concurrent = saved.concurrent;
}

static void schedule(actr_actor_t *a)
{
    /* The plain load saves the CAS while the actor is already queued or running. */
    if (atomic_load_explicit(&a->scheduled, memory_order_seq_cst))
        return;
    int expect = 0;
    if (atomic_compare_exchange_strong_explicit(&a->scheduled, &expect, 1, memory_order_seq_cst,
                                                memory_order_relaxed))
        actr_workers_submit_local(a->workers, &a->runnable); /* made ready here: runs here */
}

void actr_actor_push(actr_actor_t *a, actr_item_t *item)
{
    actr_inbox_push(&a->inbox, &item->link);
    schedule(a);
}

void actr_actor_push_chain(actr_actor_t *a, actr_inbox_item_t *first, actr_inbox_item_t *last)
{
    actr_inbox_push_chain(&a->inbox, first, last);
    schedule(a);
}

void actr_actor_publish_outbox(actr_actor_t *a)
{
    actr_outbox_t *o = &a->outbox;
    if (o->pending)
        actr_actor_push_chain(&o->target->actor, o->first, o->last);
    o->pending = 0;
    o->first = o->last = NULL;
}

void actr_actor_flush_outbox(actr_actor_t *a)
{
    actr_outbox_t *o = &a->outbox;
    if (o->payload_refs)
        actr_buf_release_n(&o->payload, o->payload_refs);
    o->payload_refs = 0;
    if (!o->target)
        return;
    actr_actor_publish_outbox(a);
    actr_inbox_unreserve_n(&o->target->actor.inbox, o->credits);
    actr_node_release(o->target);
    *o = (actr_outbox_t){0};
}

static const actr_workload_vtable_t *vt(actr_actor_t *a)
{
    return a->node->workload.vtable;
}

/* The error a caller sees for a failed handler: the callee's wire code decides the ACTR_E*
 * code, as it would after a trip over the wire. */
static void normalize_error(int rc, actr_error_t *err, const char *route_key)
{
    uint32_t wire = err->code != 0 && err->wire_code ? err->wire_code : actr_wire_code_for_errno(rc);
    char msg[ACTR_ERROR_MESSAGE_MAX];
    if (err->code != 0 && err->message[0])
        memcpy(msg, err->message, sizeof msg);
    else
        snprintf(msg, sizeof msg, "handler for %s failed: %s", route_key, actr_strerror(rc));
    actr_error_set(err, actr_errno_for_wire_code(wire), actr_wire_code_kind(wire), wire, "%s", msg);
}

static void run_request(actr_actor_t *a, actr_request_t *req)
{
    if (req->direction != ACTR_DIR_REQUEST && req->direction != ACTR_DIR_TELL) {
        /* Receivers route only on direction (spec: runtime.md §1.1): anything else is dropped
         * without running the handler; a waiting caller hits its deadline. */
        actr_log(ACTR_LOG_WARN, "runtime", "dropping in-process message with invalid direction",
                 ACTR_KV("route_key", req->route_key));
        actr_request_unref(req);
        return;
    }
    bool tell = req->direction == ACTR_DIR_TELL;
    if (a->stopped || (req->mode != ACTR_REQ_TELL && !actr_request_pending(req))) {
        /* Stopped (cannot happen for admitted messages) or the caller gave up: skip. */
        if (!tell && a->stopped) {
            actr_error_t e;
            actr_error_set(&e, ACTR_ECLOSED, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                           "target actor stopped");
            actr_request_complete(req, ACTR_ECLOSED, NULL, &e);
        }
        actr_request_unref(req);
        return;
    }
    actr_ctx_t ctx;
    actr_ctx_init(&ctx, a->node, NULL);
    ctx.req = req;
    ctx.caller = req->caller ? &req->caller->id : actr_remote_caller(req);
    actr_buf_t resp = ACTR_BUF_INIT;
    actr_error_t err;
    err.code = 0;
    err.wire_code = 0;
    err.message[0] = '\0';
    int rc = vt(a)->dispatch(a->node->workload.self, &ctx, req->route_key, &req->payload, &resp,
                             &err);
    /* Before answering: when a call returns, the runtime no longer holds the caller's bytes. */
    if (req->mode == ACTR_REQ_TELL && tl_defer)
        defer_tell(tl_defer, req);
    else
        actr_buf_release(&req->payload);
    if (!tell) {
        /* Nor those of the tells that came before it in this turn, nor those the entry took
         * ahead for its own tells, which also leave before the reply: a caller that holds a
         * buffer can count on being its only owner again once answered. */
        if (tl_defer)
            defer_flush(tl_defer);
        if (actr_actor_serial_entry(a))
            actr_actor_flush_outbox(a);
    }
    if (tell) {
        /* A tell never produces a reply, not even an error (scenario 20). */
        actr_buf_release(&resp);
        if (rc != 0)
            actr_log(ACTR_LOG_DEBUG, "runtime", "tell handler failed",
                     ACTR_KV("route_key", req->route_key), ACTR_KV("error", actr_strerror(rc)));
        if (req->mode != ACTR_REQ_TELL)
            actr_request_complete(req, 0, NULL, NULL);
    } else if (rc == 0) {
        actr_request_complete(req, 0, &resp, NULL);
    } else {
        actr_buf_release(&resp);
        normalize_error(rc, &err, req->route_key);
        actr_request_complete(req, err.code, NULL, &err);
    }
    actr_request_unref(req);
}

static void run_completion(actr_actor_t *a, actr_request_t *req)
{
    actr_actor_untrack(a, req);
    actr_ctx_t ctx;
    actr_ctx_init(&ctx, a->node, NULL);
    ctx.req = req;
    actr_request_run_callback(req, &ctx);
    actr_request_unref(req);
}

static void run_lifecycle(actr_actor_t *a, lifecycle_item_t *li)
{
    const actr_workload_vtable_t *v = vt(a);
    int (*entry)(void *, actr_ctx_t *, actr_error_t *) =
        li->which == ACTR_LIFECYCLE_ON_START ? v->on_start : v->on_ready;
    actr_ctx_t ctx;
    actr_ctx_init(&ctx, a->node, li->which == ACTR_LIFECYCLE_ON_START ? "lifecycle:on_start"
                                                          : "lifecycle:on_ready");
    int rc = 0;
    li->err.code = 0;
    li->err.message[0] = '\0';
    if (entry)
        rc = entry(a->node->workload.self, &ctx, &li->err);
    pthread_mutex_lock(&li->lock);
    li->rc = rc;
    li->done = true;
    pthread_cond_signal(&li->cond);
    pthread_mutex_unlock(&li->lock);
}

/*
 * The stop barrier. Reservations taken before the inbox closed are still being pushed or are
 * queued behind us, and completions of our async calls may be on their way: go back to the tail
 * until both are settled, then run on_stop.
 */
static item_outcome_t run_stop(actr_actor_t *a)
{
    if (actr_inbox_reserved(&a->inbox) != 0) {
        sched_yield(); /* a sender between reserve and push: let it finish */
        actr_inbox_push(&a->inbox, &a->stop_item.link);
        return ITEM_YIELD;
    }
    pthread_mutex_lock(&a->out_lock);
    a->refuse_async = true;
    bool pending = a->outstanding != NULL;
    for (actr_request_t *r = a->outstanding; r; r = r->call->out_next) {
        actr_error_t e;
        actr_error_set(&e, ACTR_ECLOSED, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                       "calling actor stopped before the answer arrived");
        /* The winner queues the completion to us (deliver); a loser's is already on its way. */
        actr_request_complete(r, ACTR_ECLOSED, NULL, &e);
    }
    pthread_mutex_unlock(&a->out_lock);
    if (pending) {
        actr_inbox_push(&a->inbox, &a->stop_item.link);
        return ITEM_YIELD;
    }
    const actr_workload_vtable_t *v = vt(a);
    if (v->on_stop) {
        actr_ctx_t ctx;
        actr_ctx_init(&ctx, a->node, "lifecycle:on_stop");
        ctx.in_stop = true;
        actr_error_t err;
        err.code = 0;
        err.message[0] = '\0';
        int rc = v->on_stop(a->node->workload.self, &ctx, &err);
        if (rc != 0)
            actr_log(ACTR_LOG_WARN, "runtime", "on_stop failed", ACTR_KV("error", err.message),
                     ACTR_KV("code", actr_err_name(rc)));
    }
    a->stopped = true;
    actr_node_set_state(a->node, ACTR_NODE_STOPPED);
    return ITEM_DONE;
}

void actr_actor_run_request(actr_actor_t *a, actr_request_t *req)
{
    run_request(a, req);
}

/* Serial actors run every item here; engaged ones only their barriers (actor_sched.c). */
static item_outcome_t run_item(actr_actor_t *a, actr_item_t *it)
{
    switch ((actr_item_kind_t)it->kind) {
    case ACTR_ITEM_REQUEST:
        run_request(a, REQ_OF(it, item));
        break;
    case ACTR_ITEM_COMPLETION:
        run_completion(a, actr_request_of_done_item(it));
        break;
    case ACTR_ITEM_LIFECYCLE:
        run_lifecycle(a, (lifecycle_item_t *)it);
        break;
    case ACTR_ITEM_HOOK:
        actr_hooks_run(a, it);
        break;
    case ACTR_ITEM_STOP:
        return run_stop(a);
    }
    return ITEM_DONE;
}

bool actr_actor_run_barrier(actr_actor_t *a, actr_item_t *it)
{
    item_outcome_t out = run_item(a, it);
    actr_actor_flush_outbox(a);
    return out == ITEM_YIELD;
}

static actr_run_result_t actor_run(actr_runnable_t *r, uint32_t batch)
{
    actr_actor_t *a = ACTOR_OF(r);
    /* One predictable branch: serial actors pay nothing else for the scheduler. */
    if (a->sched)
        return actr_actor_feed(a, batch);
    return actor_turn(a, batch, true);
}

/* Gives the actor up (the caller owns `scheduled` and found no work it can do now).
 * Returns IDLE when released, MORE when it had to take the actor back. */
static actr_run_result_t release_actor(actr_actor_t *a, bool stalled)
{
    if (stalled) {
        /* The feeder waits for feed_signal, not for the inbox: whoever raises the signal
         * after our release finds scheduled == 0 and submits us; one raised before it is
         * seen here (seq_cst on both sides). */
        atomic_store_explicit(&a->scheduled, 0, memory_order_seq_cst);
        int expect = 0;
        if (atomic_exchange_explicit(&a->feed_signal, 0, memory_order_seq_cst) &&
            atomic_compare_exchange_strong_explicit(&a->scheduled, &expect, 1,
                                                    memory_order_seq_cst, memory_order_relaxed))
            return ACTR_RUN_MORE;
        return ACTR_RUN_IDLE;
    }
    /* Release, then compare the tail with the head we leave (another worker may own the
     * consumer side from now on, so nothing else is read). A producer whose push we do not
     * see finds scheduled == 0 after it and submits us itself (seq_cst on both sides); a
     * push we do see, even one still linking, makes us take the actor back. */
    const actr_inbox_item_t *mark = actr_inbox_mark(&a->inbox);
    atomic_store_explicit(&a->scheduled, 0, memory_order_seq_cst);
    int expect = 0;
    if (actr_inbox_tail(&a->inbox) == mark ||
        !atomic_compare_exchange_strong_explicit(&a->scheduled, &expect, 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return ACTR_RUN_IDLE;
    return ACTR_RUN_MORE;
}

actr_run_result_t actr_actor_end_turn(actr_actor_t *a, bool stalled)
{
    actr_run_result_t res = ACTR_RUN_MORE;
    if (stalled || !actr_inbox_ready(&a->inbox))
        res = release_actor(a, stalled);
    atomic_fetch_sub_explicit(&a->in_run, 1, memory_order_release);
    return res;
}

/* One turn: up to `batch` items. linger: poll an empty inbox briefly first (pool turns only;
 * an inline hand-off returns to its caller at once). */
static actr_run_result_t actor_turn(actr_actor_t *a, uint32_t batch, bool linger)
{
    atomic_fetch_add_explicit(&a->in_run, 1, memory_order_relaxed);
    actr_actor_tls_t outer = actr_actor_enter(a, false);
    defer_t defer = {.nbuf = 0, .nnode = 0}, *outer_defer = tl_defer;
    tl_defer = &defer;
    uint32_t consumed = 0;
    uint32_t polls = linger ? LINGER_POLLS : 0;
    for (uint32_t n = 0; n < batch; n++) {
        actr_item_t *it = (actr_item_t *)actr_inbox_pop(&a->inbox);
        /* Empty: if no other actor waits for a worker, poll a little before giving the actor
         * up; a sender streaming tells then keeps it on this worker instead of paying a
         * release and a resubmission per message. */
        while (!it && polls > 0 && actr_workers_idle_queue(a->workers)) {
            polls--;
            actr_cpu_relax();
            it = (actr_item_t *)actr_inbox_pop(&a->inbox);
        }
        if (!it)
            break;
        if (it->counted) {
            consumed++;
        } else if (it->kind == ACTR_ITEM_STOP) {
            /* The barrier counts reservations: give back those consumed so far first. */
            actr_inbox_release(&a->inbox, consumed);
            consumed = 0;
        }
        item_outcome_t out = run_item(a, it);
        actr_actor_flush_outbox(a); /* an entry's tells leave when it returns */
        if (out == ITEM_YIELD)
            break;
    }
    actr_inbox_release(&a->inbox, consumed);
    tl_defer = outer_defer;
    defer_flush(&defer);
    actr_actor_leave(outer);
    /* in_run is a counter, not a flag: the next owner may already be inside run() on another
     * worker. */
    return actr_actor_end_turn(a, false);
}

bool actr_actor_push_inline(actr_actor_t *a, actr_request_t *req)
{
    if (a->sched) {
        /* An engaged callee's turn only feeds its scheduler: nothing to gain here. */
        actr_actor_push(a, &req->item);
        return false;
    }
    actr_inbox_push(&a->inbox, &req->item.link);
    int expect = 0;
    if (atomic_load_explicit(&a->scheduled, memory_order_seq_cst) ||
        !atomic_compare_exchange_strong_explicit(&a->scheduled, &expect, 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return false; /* queued or running elsewhere: its worker will answer */
    uint32_t batch = actr_workers_batch(a->workers);
    /* Our request is in the inbox, so each turn gets closer to it (FIFO). */
    while (actor_turn(a, batch, false) == ACTR_RUN_MORE) {
        if (!actr_request_pending(req)) {
            actr_workers_submit(a->workers, &a->runnable); /* the rest is the pool's */
            break;
        }
    }
    return true;
}

/* Nesting of actr_actor_help() on this thread: each level is a turn on the stack. */
#define HELP_DEPTH_MAX 4
static _Thread_local int tl_help_depth;

bool actr_actor_help(actr_actor_t *a)
{
    actr_actor_t *cur = actr_actor_current();
    if (a->sched || !cur || cur == a || tl_help_depth >= HELP_DEPTH_MAX)
        return false;
    /* A synchronous call to a has marked cur already (only cur writes its own mark). */
    bool mark = cur->waiting_on == NULL;
    if (!mark && cur->waiting_on != a)
        return false;
    if (mark && !actr_actor_wait_begin(cur, a))
        return false;
    bool ran = actr_workers_claim_local(a->workers, &a->runnable);
    if (ran) {
        tl_help_depth++;
        /* Up to an inbox's worth, so the sender then has room for a while. */
        uint32_t batch = actr_workers_batch(a->workers);
        uint32_t turns = a->inbox.capacity / batch + 1;
        actr_run_result_t res;
        while ((res = actor_turn(a, batch, false)) == ACTR_RUN_MORE && --turns > 0)
            ;
        if (res == ACTR_RUN_MORE)
            actr_workers_submit_local(a->workers, &a->runnable);
        tl_help_depth--;
    }
    if (mark)
        actr_actor_wait_end(cur);
    return ran;
}

int actr_actor_run_lifecycle(actr_actor_t *a, int which, actr_error_t *err)
{
    lifecycle_item_t li;
    memset(&li, 0, sizeof li);
    li.item.kind = ACTR_ITEM_LIFECYCLE;
    li.which = which;
    pthread_mutex_init(&li.lock, NULL);
    pthread_cond_init(&li.cond, NULL);
    actr_actor_push(a, &li.item);
    /* No deadline: lifecycle entries are the workload's own code (the reference awaits them). */
    pthread_mutex_lock(&li.lock);
    while (!li.done)
        pthread_cond_wait(&li.cond, &li.lock);
    pthread_mutex_unlock(&li.lock);
    pthread_cond_destroy(&li.cond);
    pthread_mutex_destroy(&li.lock);
    if (li.rc != 0 && err) {
        if (li.err.code != 0)
            *err = li.err;
        else
            actr_error_set(err, li.rc, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL, "%s failed: %s",
                           which == ACTR_LIFECYCLE_ON_START ? "on_start" : "on_ready",
                           actr_strerror(li.rc));
    }
    return li.rc;
}

int actr_actor_stop(actr_actor_t *a)
{
    actr_actor_push(a, &a->stop_item);
    return 0;
}

void actr_actor_drain(actr_actor_t *a)
{
    /* Take the serial context for good: once we hold `scheduled` no worker will run us again,
     * and in_run tells when the last one has left run(). */
    for (;;) {
        int expect = 0;
        if (atomic_compare_exchange_strong_explicit(&a->scheduled, &expect, 1,
                                                    memory_order_seq_cst, memory_order_relaxed))
            break;
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    actr_actor_sched_drain(a); /* engaged: no slot runs or is queued any more */
    while (atomic_load_explicit(&a->in_run, memory_order_acquire))
        sched_yield();
    a->stopped = true;
    actr_item_t *it;
    if (a->held) { /* an engaged feeder's item that never found its place: first in line */
        it = a->held;
        a->held = NULL;
        if (it->kind == ACTR_ITEM_REQUEST)
            run_request(a, REQ_OF(it, item));
        else if (it->kind == ACTR_ITEM_HOOK)
            actr_hooks_run(a, it);
        else if (it->kind == ACTR_ITEM_COMPLETION)
            run_completion(a, actr_request_of_done_item(it));
    }
    while ((it = (actr_item_t *)actr_inbox_pop(&a->inbox)) != NULL) {
        if (it->kind == ACTR_ITEM_REQUEST)
            run_request(a, REQ_OF(it, item)); /* stopped: fails calls with ACTR_ECLOSED */
        else if (it->kind == ACTR_ITEM_HOOK)
            actr_hooks_run(a, it); /* stopped: frees */
        else if (it->kind == ACTR_ITEM_COMPLETION)
            run_completion(a, actr_request_of_done_item(it));
        /* LIFECYCLE items are never queued once start() returned; STOP is ours. */
    }
}

bool actr_actor_wait_begin(actr_actor_t *self, actr_actor_t *target)
{
    if (target == self)
        return false;
    /* An engaged actor's request running beside others does not block its actor: the
     * scheduler keeps serving other keys, so the actor is not marked as waiting. A cycle
     * through it (the target calling back with the same key, a barrier, or with every slot
     * taken) is then not refused up front: the call deadlines end it (docs/DISPATCH.md). */
    bool mark = !(tl_concurrent && tl_current == self);
    /* Under the wait lock every actor on the chain is alive: each one is referenced by the
     * waiter before it (see struct actr_hyper.wait_lock), the first one by our caller. */
    pthread_mutex_t *lock = &self->node->hyper->wait_lock;
    pthread_mutex_lock(lock);
    bool cycle = false;
    actr_actor_t *p = target;
    for (int i = 0; i < WAIT_CHAIN_MAX && p && !cycle; i++) {
        p = p->waiting_on;
        cycle = p == self;
    }
    if (!cycle && mark)
        self->waiting_on = target;
    pthread_mutex_unlock(lock);
    return !cycle;
}

void actr_actor_wait_end(actr_actor_t *self)
{
    if (tl_concurrent && tl_current == self)
        return; /* never marked */
    pthread_mutex_t *lock = &self->node->hyper->wait_lock;
    pthread_mutex_lock(lock);
    self->waiting_on = NULL;
    pthread_mutex_unlock(lock);
}

bool actr_actor_track(actr_actor_t *a, actr_request_t *req)
{
    pthread_mutex_lock(&a->out_lock);
    bool ok = !a->refuse_async;
    if (ok) {
        actr_request_ref(req);
        req->call->out_prev = NULL;
        req->call->out_next = a->outstanding;
        if (a->outstanding)
            a->outstanding->call->out_prev = req;
        a->outstanding = req;
    }
    pthread_mutex_unlock(&a->out_lock);
    return ok;
}

void actr_actor_untrack(actr_actor_t *a, actr_request_t *req)
{
    pthread_mutex_lock(&a->out_lock);
    actr_call_ext_t *x = req->call;
    bool tracked = x->out_prev || a->outstanding == req;
    if (tracked) {
        if (x->out_prev)
            x->out_prev->call->out_next = x->out_next;
        else
            a->outstanding = x->out_next;
        if (x->out_next)
            x->out_next->call->out_prev = x->out_prev;
        x->out_prev = x->out_next = NULL;
    }
    pthread_mutex_unlock(&a->out_lock);
    if (tracked)
        actr_request_unref(req);
}
