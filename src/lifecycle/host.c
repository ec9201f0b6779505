/* host.c - in-process calls and tells: resolve, reserve an inbox place, push, wait. */
#include "lifecycle/host.h"

#include <string.h>

#include "actr/log.h"
#include "base/buf_batch.h"
#include "base/clock.h"
#include "lifecycle/actor.h"
#include "lifecycle/node_internal.h"

/* A resolved target: the node and whether we hold a directory reference on it. */
typedef struct target {
    struct actr_node *node;
    bool owned;
    bool serial; /* sent from an entry owning the sender's serial context (serial_entry) */
    struct actr_node *caller; /* caller id carried by the request (reference taken), or NULL */
} target_t;

/* resolve()'s answer for a target outside this process when the sender has a network side. */
#define REMOTE 1

static int remote_tell(const actr_send_t *s, size_t len, actr_error_t *err);

static void id_text(const actr_id_t *id, char *buf, size_t size)
{
    if (actr_id_format(id, buf, size, NULL) != 0)
        snprintf(buf, size, "<unprintable id>");
}

static int check_route(const char *route_key, size_t *len, actr_error_t *err)
{
    size_t n = route_key ? strnlen(route_key, ACTR_ROUTE_KEY_STR_SIZE) : 0;
    if (n == 0 || n >= ACTR_ROUTE_KEY_STR_SIZE)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "route key missing or longer than %d bytes",
                              ACTR_ROUTE_KEY_STR_SIZE - 1);
    *len = n;
    return 0;
}

static void target_release(target_t *t)
{
    if (t->owned)
        actr_node_release(t->node);
    if (t->caller)
        actr_node_release(t->caller);
    t->node = t->caller = NULL;
    t->owned = false;
}

/* Sent by an entry owning from's serial context (not one of an engaged actor's requests
 * running beside others, actor.h): only then may the node's caches be used without a lock. */
static bool serial_entry(const actr_send_t *s)
{
    return s->from_entry && actr_actor_serial_entry(&s->from->actor);
}

/*
 * The sending actor's one-entry cache of its last target (entries of one actor are serial, so
 * no lock). Only running nodes are served from it: a stopped one may have been freed and its id
 * reused, so that falls back to the directory. No reference is taken per send: the cache's own
 * keeps the node alive until the entry returns (only serial entries replace it), and two
 * atomics per tell on the target's count were a tenth of a tell's cost (bench_inproc).
 */
static struct actr_node *cached_target(const actr_send_t *s, bool serial)
{
    struct actr_node *c = serial ? s->from->last_target : NULL;
    const actr_id_t *want = s->target;
    if (!c || c->id.serial_number != want->serial_number ||
        c->id.realm.realm_id != want->realm.realm_id || !actr_node_accepting(c))
        return NULL;
    if (want != s->from->last_target_id) {
        if (!actr_type_equal(&c->id.type, &want->type))
            return NULL;
        s->from->last_target_id = want;
    }
    return c;
}

static void remember_target(const actr_send_t *s, struct actr_node *n, bool serial)
{
    if (!serial || s->from->last_target == n)
        return;
    actr_node_retain(n);
    if (s->from->last_target)
        actr_node_release(s->from->last_target);
    s->from->last_target = n;
    s->from->last_target_id = s->target; /* the directory compared the whole id */
}

static int resolve(const actr_send_t *s, target_t *t, actr_error_t *err)
{
    struct actr_node *from = s->from;
    memset(t, 0, sizeof *t);
    t->serial = serial_entry(s);
    if (!s->from_entry && atomic_load_explicit(&from->state, memory_order_acquire) >=
                              ACTR_NODE_STOPPING)
        return actr_error_set(err, ACTR_ECLOSED, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "this node is shutting down");
    bool self = !s->target || actr_id_equal(s->target, &from->id);
    if (self) {
        t->node = from; /* alive: the sender's node outlives its own sends */
    } else if ((t->node = cached_target(s, t->serial)) != NULL) {
        t->owned = false; /* held by the cache */
    } else if (!(t->node = actr_directory_get(from->hyper->dir, s->target))) {
        if (from->remote)
            return REMOTE; /* not in this process: the network side takes it */
        char id[ACTR_ID_STR_SIZE];
        id_text(s->target, id, sizeof id);
        return actr_error_set(err, ACTR_EUNAVAILABLE, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "no route to %s: not a node of this process, and this node is not "
                              "registered with AIS (no network side)", id);
    } else {
        t->owned = true;
        remember_target(s, t->node, t->serial);
    }
    int st = atomic_load_explicit(&t->node->state, memory_order_acquire);
    if (st != ACTR_NODE_RUNNING) {
        char id[ACTR_ID_STR_SIZE];
        id_text(&t->node->id, id, sizeof id);
        int rc = st >= ACTR_NODE_STOPPING
                     ? actr_error_set(err, ACTR_ECLOSED, ACTR_KIND_TRANSIENT,
                                      ACTR_WIRE_UNAVAILABLE, "target actor %s stopped", id)
                     : actr_error_set(err, ACTR_EUNAVAILABLE, ACTR_KIND_TRANSIENT,
                                      ACTR_WIRE_UNAVAILABLE, "target actor %s is not running", id);
        target_release(t);
        return rc;
    }
    /* The reference's shell calls to its own workload carry no caller; everything an actor
     * sends, and what a ref sends to another node, carries the sender's id. */
    if (t->serial) {
        actr_node_retain_from_entry(from);
        t->caller = from;
    } else if (s->from_entry || !self) {
        actr_node_retain(from);
        t->caller = from;
    }
    return 0;
}

static int reserve(target_t *t, int64_t timeout_ms, actr_error_t *err)
{
    actr_inbox_t *q = &t->node->actor.inbox;
    int rc = actr_inbox_reserve(q, 0);
    if (rc == ACTR_EAGAIN && t->serial && timeout_ms > 0 && actr_actor_help(&t->node->actor))
        rc = actr_inbox_reserve(q, 0); /* it ran here and made room */
    if (rc == ACTR_EAGAIN && timeout_ms > 0) {
        actr_workers_share_local(t->node->hyper->workers); /* the target may be queued here */
        /* Waiting for a place holds a worker when called from a handler: past a short grace
         * let the pool start a spare, or the actor we wait for might never get one. */
        int64_t grace = timeout_ms < ACTR_WORKERS_BLOCK_GRACE_MS ? timeout_ms
                                                                  : ACTR_WORKERS_BLOCK_GRACE_MS;
        rc = actr_inbox_reserve(q, grace);
        if (rc == ACTR_EAGAIN && timeout_ms > grace) {
            actr_workers_t *w = t->node->hyper->workers;
            actr_workers_block_begin(w);
            rc = actr_inbox_reserve(q, timeout_ms - grace);
            actr_workers_block_end(w);
        }
    }
    if (rc == 0)
        return 0;
    char id[ACTR_ID_STR_SIZE];
    id_text(&t->node->id, id, sizeof id);
    if (rc == ACTR_ECLOSED)
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "target actor %s stopped", id);
    return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                          "inbox of %s stayed full (%u messages)", id,
                          t->node->actor.inbox.capacity);
}

/* Builds the request once a place is reserved; on failure the place is given back. */
static actr_request_t *make_request(const actr_send_t *s, target_t *t, actr_direction_t dir,
                                    actr_req_mode_t mode, size_t route_len, actr_error_t *err)
{
    actr_request_t *req = actr_request_new(dir, mode, s->route_key, route_len, s->payload);
    if (!req) {
        actr_inbox_unreserve(&t->node->actor.inbox);
        actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL, "out of memory");
        return NULL;
    }
    req->item.counted = 1;
    req->caller = t->caller; /* the reference moves into the request */
    t->caller = NULL;
    return req;
}

/*
 * One reference on the payload for a tell from an entry. A stream of tells usually sends the
 * same bytes (or slices of one block): references are then taken ACTR_OUTBOX_MAX at a time, so
 * the block's count, which the callee's worker also writes, is not touched per tell.
 */
static actr_buf_t outbox_payload_ref(actr_outbox_t *o, const actr_buf_t *payload)
{
    if (!payload || payload->len == 0 || !payload->block)
        return actr_buf_ref(payload); /* empty or static: nothing counted */
    if (o->payload_refs == 0 || o->payload.block != payload->block) {
        actr_buf_release_n(&o->payload, o->payload_refs);
        actr_buf_ref_n(payload, ACTR_OUTBOX_MAX);
        o->payload = *payload;
        o->payload_refs = ACTR_OUTBOX_MAX;
    }
    o->payload_refs--;
    return *payload;
}

/*
 * A tell from an entry goes through the sending actor's outbox (actor.h): with places reserved
 * in blocks and items linked locally, a stream of tells to one target costs one exchange on the
 * target's tail per block instead of per tell.
 */
static int outbox_tell(const actr_send_t *s, target_t *t, size_t route_len, actr_error_t *err)
{
    actr_actor_t *me = &s->from->actor;
    actr_outbox_t *o = &me->outbox;
    if (o->target != t->node) {
        actr_actor_flush_outbox(me);
        actr_node_retain(t->node);
        o->target = t->node;
    }
    actr_inbox_t *q = &t->node->actor.inbox;
    if (o->credits == 0 && actr_inbox_reserve_n(q, ACTR_OUTBOX_MAX) == 0)
        o->credits = ACTR_OUTBOX_MAX;
    if (o->credits == 0) {
        /* Nearly full: publish what we hold (the callee must see it to drain), then take one
         * place the ordinary way, waiting if need be. */
        actr_actor_flush_outbox(me);
        int rc = reserve(t, s->timeout_ms, err);
        if (rc != 0)
            return rc;
        actr_node_retain(t->node);
        o->target = t->node;
        o->credits = 1;
    }
    actr_buf_t payload = outbox_payload_ref(o, s->payload);
    actr_request_t *req = actr_request_new_moved(ACTR_DIR_TELL, ACTR_REQ_TELL, s->route_key,
                                                 route_len, &payload);
    if (!req) {
        actr_buf_release(&payload);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                              "out of memory");
    }
    o->credits--;
    req->item.counted = 1;
    req->caller = t->caller;
    t->caller = NULL;
    actr_inbox_item_t *link = &req->item.link;
    atomic_store_explicit(&link->next, NULL, memory_order_relaxed);
    if (o->pending++)
        atomic_store_explicit(&o->last->next, link, memory_order_relaxed);
    else
        o->first = link;
    o->last = link;
    if (o->pending == ACTR_OUTBOX_MAX)
        actr_actor_publish_outbox(me);
    return 0;
}

int actr_host_tell(const actr_send_t *s, actr_error_t *err)
{
    size_t len = 0;
    target_t t;
    int rc = check_route(s->route_key, &len, err);
    if (rc == 0)
        rc = resolve(s, &t, err);
    if (rc == REMOTE)
        return remote_tell(s, len, err);
    if (rc != 0)
        return rc;
    if (t.serial) {
        rc = outbox_tell(s, &t, len, err);
        target_release(&t);
        return rc;
    }
    rc = reserve(&t, s->timeout_ms, err);
    actr_request_t *req = rc == 0 ? make_request(s, &t, ACTR_DIR_TELL, ACTR_REQ_TELL, len, err)
                                  : NULL;
    if (req)
        actr_actor_push(&t.node->actor, &req->item);
    else if (rc == 0)
        rc = ACTR_ENOMEM;
    target_release(&t);
    return rc;
}

static int check_timeout(int64_t timeout_ms, actr_error_t *err)
{
    if (timeout_ms > 0)
        return 0;
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                          "call timeout must be > 0 ms (got %lld)", (long long)timeout_ms);
}

static void block_begin(void *w)
{
    actr_workers_block_begin(w);
}

static void block_end(void *w)
{
    actr_workers_block_end(w);
}

/* ---- targets in other processes (lifecycle/remote.c carries them) ---- */

static void deliver_to_caller(actr_request_t *req);

static actr_request_t *remote_request(const actr_send_t *s, actr_direction_t dir,
                                      actr_req_mode_t mode, size_t len, actr_error_t *err)
{
    actr_request_t *req = actr_request_new(dir, mode, s->route_key, len, s->payload);
    if (!req)
        actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL, "out of memory");
    else if (req->call)
        req->call->deadline_ns = actr_clock_mono_ns() + (uint64_t)s->timeout_ms * 1000000u;
    return req;
}

static int remote_call(const actr_send_t *s, size_t len, actr_buf_t *response, actr_error_t *err)
{
    actr_request_t *req = remote_request(s, ACTR_DIR_REQUEST, ACTR_REQ_SYNC, len, err);
    if (!req)
        return ACTR_ENOMEM;
    actr_request_ref(req); /* ours, for the wait; the other one goes to the network side */
    int rc = actr_remote_send(s->from, req, s->target, s->timeout_ms, err);
    if (rc == 0) {
        actr_hyper_t *h = s->from->hyper;
        rc = actr_request_wait(req, 0, block_begin, block_end, h->workers, response, err);
    }
    actr_request_unref(req);
    return rc;
}

static int remote_call_async(const actr_send_t *s, size_t len, actr_call_cb cb, void *userdata,
                             actr_error_t *err)
{
    actr_request_t *req = remote_request(s, ACTR_DIR_REQUEST, ACTR_REQ_ASYNC, len, err);
    if (!req)
        return ACTR_ENOMEM;
    req->call->cb = cb;
    req->call->userdata = userdata;
    req->call->deliver = s->from_entry ? deliver_to_caller : NULL;
    int rc = 0;
    if (s->from_entry && !actr_actor_track(&s->from->actor, req))
        rc = actr_error_set(err, ACTR_ESTATE, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                            "asynchronous calls are refused once the node is stopping");
    else
        actr_request_arm_timer(req, s->from->hyper->deadlines, s->timeout_ms);
    if (rc != 0) {
        actr_request_unref(req);
        return rc;
    }
    /* From here the request completes one way or another (send failure included). */
    actr_remote_send(s->from, req, s->target, s->timeout_ms, NULL);
    return 0;
}

static int remote_tell(const actr_send_t *s, size_t len, actr_error_t *err)
{
    actr_request_t *req = remote_request(s, ACTR_DIR_TELL, ACTR_REQ_TELL, len, err);
    return req ? actr_remote_send(s->from, req, s->target, 0, err) : ACTR_ENOMEM;
}

int actr_host_call(const actr_send_t *s, actr_buf_t *response, actr_error_t *err)
{
    size_t len = 0;
    target_t t;
    if (response)
        *response = (actr_buf_t)ACTR_BUF_INIT;
    int rc = check_timeout(s->timeout_ms, err);
    if (rc == 0)
        rc = check_route(s->route_key, &len, err);
    if (rc == 0)
        rc = resolve(s, &t, err);
    if (rc == REMOTE)
        return remote_call(s, len, response, err);
    if (rc != 0)
        return rc;
    actr_actor_t *cur = actr_actor_current();
    if (cur)
        actr_actor_flush_outbox(cur); /* earlier tells go first (FIFO), and we may block */
    if (cur && !actr_actor_wait_begin(cur, &t.node->actor)) {
        char id[ACTR_ID_STR_SIZE];
        id_text(&t.node->id, id, sizeof id);
        bool self = cur == &t.node->actor;
        target_release(&t);
        return actr_error_set(err, ACTR_ESTATE, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "synchronous call would deadlock: %s %s", id,
                              self ? "is the calling actor itself (serial)"
                                   : "is waiting on the calling actor");
    }
    uint64_t deadline = actr_clock_mono_ns() + (uint64_t)s->timeout_ms * 1000000u;
    rc = reserve(&t, s->timeout_ms, err);
    actr_request_t *req = rc == 0 ? make_request(s, &t, ACTR_DIR_REQUEST, ACTR_REQ_SYNC, len, err)
                                  : NULL;
    if (req) {
        req->call->deadline_ns = deadline;
        actr_request_ref(req); /* ours, for the wait */
        /* From inside an entry (a worker) an idle callee runs right here. Host threads never
         * run entries: they hand over to the pool. */
        bool ran_here = false;
        actr_hyper_t *h = s->from->hyper;
        if (cur)
            ran_here = actr_actor_push_inline(&t.node->actor, req);
        else
            actr_actor_push(&t.node->actor, &req->item);
        if (cur && !ran_here)
            actr_workers_share_local(h->workers); /* the callee may be queued on this worker */
        rc = actr_request_wait(req, h->opts.spin_us, block_begin, block_end, h->workers,
                               response, err);
        actr_request_unref(req);
        if (ran_here && actr_clock_mono_ns() > deadline) {
            /* Nobody could time the callee out while we ran it: apply the deadline now. */
            actr_buf_release(response);
            rc = actr_error_set(err, ACTR_ETIMEDOUT, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT,
                                "timed out");
        }
    } else if (rc == 0) {
        rc = ACTR_ENOMEM;
    }
    if (cur)
        actr_actor_wait_end(cur);
    target_release(&t);
    return rc;
}

/* The answer of an actor's async call goes back through the caller's inbox. */
static void deliver_to_caller(actr_request_t *req)
{
    actr_request_ref(req);
    actr_actor_push(&req->caller->actor, &req->call->done_item);
}

int actr_host_call_async(const actr_send_t *s, actr_call_cb cb, void *userdata,
                         actr_error_t *err)
{
    size_t len = 0;
    target_t t;
    if (!cb)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "no callback");
    int rc = check_timeout(s->timeout_ms, err);
    if (rc == 0)
        rc = check_route(s->route_key, &len, err);
    if (rc == 0)
        rc = resolve(s, &t, err);
    if (rc == REMOTE)
        return remote_call_async(s, len, cb, userdata, err);
    if (rc != 0)
        return rc;
    if (actr_actor_current())
        actr_actor_flush_outbox(actr_actor_current()); /* earlier tells go first (FIFO) */
    rc = reserve(&t, 0, err);
    actr_request_t *req = rc == 0 ? make_request(s, &t, ACTR_DIR_REQUEST, ACTR_REQ_ASYNC, len, err)
                                  : NULL;
    if (!req) {
        target_release(&t);
        return rc ? rc : ACTR_ENOMEM;
    }
    req->call->deadline_ns = actr_clock_mono_ns() + (uint64_t)s->timeout_ms * 1000000u;
    req->call->cb = cb;
    req->call->userdata = userdata;
    req->call->deliver = s->from_entry ? deliver_to_caller : NULL;
    /* Tracked before it can complete, so a stop of the caller sees it. */
    if (s->from_entry && !actr_actor_track(&s->from->actor, req)) {
        rc = actr_error_set(err, ACTR_ESTATE, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                            "asynchronous calls are refused once the node is stopping");
    } else {
        actr_request_arm_timer(req, s->from->hyper->deadlines, s->timeout_ms);
    }
    if (rc != 0) {
        actr_inbox_unreserve(&t.node->actor.inbox);
        actr_request_unref(req);
    } else {
        actr_actor_push(&t.node->actor, &req->item);
    }
    target_release(&t);
    return rc;
}

int actr_host_deliver(struct actr_node *node, actr_request_t *req, int64_t timeout_ms)
{
    if (!actr_node_accepting(node))
        return ACTR_ECLOSED;
    int rc = actr_inbox_reserve(&node->actor.inbox, timeout_ms);
    if (rc != 0)
        return rc;
    req->item.counted = 1;
    actr_actor_push(&node->actor, &req->item);
    return 0;
}

int actr_host_discover(struct actr_node *from, const actr_type_t *type, actr_id_t *out,
                       actr_error_t *err)
{
    if (!type || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                              "type and out are required");
    /* In this process first (zero copy), then through signaling. */
    if (actr_directory_find_type(from->hyper->dir, type, out) == 0)
        return 0;
    if (from->remote) {
        actr_workers_t *w = from->hyper->workers;
        actr_workers_block_begin(w); /* a handler waiting on the network holds its worker */
        int rc = actr_remote_discover(from, type, out, err);
        actr_workers_block_end(w);
        return rc;
    }
    char ty[ACTR_TYPE_STR_SIZE];
    if (actr_type_format(type, ty, sizeof ty, NULL) != 0)
        snprintf(ty, sizeof ty, "<invalid type>");
    return actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, ACTR_WIRE_NOT_FOUND,
                          "no running actor of type %s in this process (and this node is not "
                          "registered with AIS, so it cannot ask signaling)", ty);
}
