/*
 * remote_inbound.c - admission of requests and tells from other processes (runtime.md 7.1,
 * 11; protocol.md 8.3, 8.8) and the mailbox consumer.
 *
 *   loop thread:  frame -> decode -> ACL -> dedup -> mailbox (async enqueue, group commit)
 *   consumer:     mailbox -> actr_request_t (ASYNC, with its origin) -> the actor's inbox
 *   worker:       handler -> completion -> ack + dedup result + response frame (via the loop)
 *
 * A message is persisted before the actor sees it and deleted only after its handler returned,
 * so a crash between the two redelivers it on restart (at-least-once; dedup covers the retries
 * of a live sender). Replies go to the peer's current inbound connection, as the reference's
 * send_response does; after a restart there is none and the reply is dropped (the caller timed
 * out long before).
 */
#include "lifecycle/remote_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/acl.h"
#include "actr/log.h"
#include "lifecycle/host.h"
#include "lifecycle/node_internal.h"
#include "package.pb-c.h"
#include "platform/ais/id_pb.h"

#define CONSUMER_BATCH 32
#define CONSUMER_POLL_MS 200  /* only to notice a stop request; enqueue wakes the consumer */
#define DELIVER_WAIT_MS 1000  /* inbox full: retry after this (the message stays in flight) */
/* Messages taken from the mailbox and not finished (reply sent, row acked) at most: the
 * reference's continuation cap (runtime.md 8.4). Below it the consumer keeps handing messages
 * to the actor without waiting for their replies, so an engaged actor (conflict keys) gets
 * enough work to run distinct keys at once; each row is acked when its own reply is sent. */
#define CONSUMER_INFLIGHT_CAP 256
#define CONSUMER_CAP_WAIT_NS 1000000 /* at the cap: look again after 1 ms */

const char *actr_remote_request_id(const actr_request_t *req)
{
    return req->call && req->call->origin ? req->call->origin->request_id : NULL;
}

const actr_id_t *actr_remote_caller(const actr_request_t *req)
{
    const actr_remote_origin_t *o = req->call ? req->call->origin : NULL;
    return o && o->has_caller ? &o->caller : NULL;
}

/* ---- replies (any thread -> loop) ---- */

typedef struct reply_cmd {
    actr_remote_t *r;
    actr_id_t peer;
    actr_buf_t frame;
} reply_cmd_t;

static void reply_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    reply_cmd_t *c = arg;
    actr_remote_t *r = c->r;
    /* A peer with a ready WebRTC connection gets the reply on its RPC_RELIABLE channel. */
    if (actr_remote_webrtc_reply(r, &c->peer, &c->frame) == 0) {
        actr_buf_release(&c->frame);
        free(c);
        return;
    }
    actr_ws_conn_id_t conn = r->ws ? actr_ws_find(r->ws, &c->peer, ACTR_WS_ACCEPTED) : 0;
    if (!conn || actr_ws_send(r->ws, conn, ACTR_WS_RPC_RELIABLE, &c->frame) != 0)
        actr_log(ACTR_LOG_DEBUG, "remote", "response dropped: the caller's connection is gone");
    actr_buf_release(&c->frame);
    free(c);
}

/* Sends the answer to a request: status 0 with payload, or the error's wire code. */
static void reply(actr_remote_t *r, const actr_id_t *peer, const char *route_key,
                  const char *request_id, int status, const actr_buf_t *payload,
                  const actr_error_t *err)
{
    reply_cmd_t *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->r = r;
    c->peer = *peer;
    uint32_t wire = 0;
    const char *msg = NULL;
    if (status != 0) {
        wire = err && err->wire_code ? err->wire_code : actr_wire_code_for_errno(status);
        msg = err ? err->message : actr_strerror(status);
    }
    if (actr_remote_encode_envelope(route_key, payload, ACTR__DIRECTION__DIRECTION_RESPONSE,
                                    request_id, 0, wire, msg, &c->frame) != 0 ||
        actr_loop_post(r->loop, reply_on_loop, c) != 0) {
        actr_buf_release(&c->frame);
        free(c);
    }
}

/* ---- admission (loop thread) ---- */

/*
 * Duplicates of an in-flight request wait for the original's result, bounded by their own
 * timeout_ms (else 30 s; runtime.md 7.1 step 3): a timer answers TimedOut when the original takes
 * longer (or never finishes: a message released back to the mailbox at shutdown). The loop
 * thread owns each wait; the original's completion (any thread) only replies and hands the wait
 * back to the loop, which closes it. Waits still open at shutdown are cancelled by
 * actr_remote_dup_waits_close().
 */
typedef struct actr_dup_wait {
    actr_remote_t *r;
    actr_loop_t *loop;
    struct actr_dup_wait *prev, *next; /* r->dup_waits while linked */
    bool linked;
    actr_dedup_waiter_t *waiter;       /* NULL once given back */
    uv_timer_t timer;
    actr_id_t peer;
    char route_key[ACTR_ROUTE_KEY_STR_SIZE];
    char request_id[ACTR_DEDUP_MAX_ID + 1];
} dup_wait_t;

static void dup_freed(uv_handle_t *h)
{
    free(h->data);
}

/* Loop thread. Touches r only while linked or holding the waiter, so a wait orphaned by
 * actr_remote_dup_waits_close() can be closed after the remote side is gone. */
static void dup_close(dup_wait_t *d)
{
    if (d->linked) {
        if (d->prev)
            d->prev->next = d->next;
        else
            d->r->dup_waits = d->next;
        if (d->next)
            d->next->prev = d->prev;
        d->linked = false;
    }
    if (d->waiter) {
        actr_dedup_waiter_release(d->r->dedup, d->waiter);
        d->waiter = NULL;
    }
    uv_close((uv_handle_t *)&d->timer, dup_freed);
}

static void dup_done_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    dup_close(arg);
}

/* The original finished (any thread; on the loop inline when it had already finished). */
static void on_original_done(void *ud, const actr_dedup_result_t *res)
{
    dup_wait_t *d = ud;
    reply(d->r, &d->peer, d->route_key, d->request_id, res->code, &res->payload, &res->error);
    if (actr_loop_post(d->loop, dup_done_on_loop, d) != 0)
        actr_loop_call(d->loop, dup_done_on_loop, d); /* queue full: wait for room */
}

static void on_dup_timeout(uv_timer_t *t)
{
    dup_wait_t *d = t->data;
    bool cancelled = actr_dedup_waiter_release(d->r->dedup, d->waiter);
    d->waiter = NULL;
    if (!cancelled)
        return; /* the original's result came first: on_original_done closes the wait */
    actr_error_t e;
    actr_error_set(&e, ACTR_ETIMEDOUT, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT, "timed out");
    reply(d->r, &d->peer, d->route_key, d->request_id, e.code, NULL, &e);
    dup_close(d);
}

static void wait_for_original(actr_remote_t *r, const actr_id_t *peer, const Actr__RpcEnvelope *env,
                              actr_dedup_waiter_t *waiter)
{
    dup_wait_t *d = calloc(1, sizeof *d);
    if (!d) {
        actr_dedup_waiter_release(r->dedup, waiter);
        return;
    }
    d->r = r;
    d->loop = r->loop;
    d->waiter = waiter;
    d->peer = *peer;
    snprintf(d->route_key, sizeof d->route_key, "%s", env->route_key);
    snprintf(d->request_id, sizeof d->request_id, "%s", env->request_id);
    d->next = r->dup_waits;
    if (d->next)
        d->next->prev = d;
    r->dup_waits = d;
    d->linked = true;
    uv_timer_init(r->uv, &d->timer);
    d->timer.data = d;
    uv_timer_start(&d->timer, on_dup_timeout, (uint64_t)actr_dedup_wait_ms(env->timeout_ms), 0);
    if (actr_dedup_waiter_on_done(r->dedup, waiter, on_original_done, d) != 0)
        dup_close(d);
}

void actr_remote_dup_waits_close(actr_remote_t *r)
{
    while (r->dup_waits) {
        dup_wait_t *d = r->dup_waits;
        r->dup_waits = d->next;
        d->linked = false;
        uv_timer_stop(&d->timer);
        bool cancelled = actr_dedup_waiter_release(r->dedup, d->waiter);
        d->waiter = NULL;
        if (cancelled)
            uv_close((uv_handle_t *)&d->timer, dup_freed);
        /* else its completion is running now and hands d back to the loop, which closes it */
    }
}

typedef struct enq {
    actr_remote_t *r;
    actr_id_t peer;
    bool is_tell;
    char route_key[ACTR_ROUTE_KEY_STR_SIZE];
    char request_id[ACTR_DEDUP_MAX_ID + 1];
} enq_t;

/* Writer thread: the message is durable (or not). */
static void on_enqueued(void *arg, int status, const actr_mailbox_id_t *id, const actr_error_t *err)
{
    (void)id;
    enq_t *e = arg;
    if (status != 0) {
        actr_error_t busy;
        actr_error_set(&busy, ACTR_EUNAVAILABLE, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                       "mailbox refused the message: %s", err ? err->message : "");
        actr_dedup_complete(e->r->dedup, e->request_id, strlen(e->request_id), busy.code, NULL,
                            &busy);
        if (!e->is_tell)
            reply(e->r, &e->peer, e->route_key, e->request_id, busy.code, NULL, &busy);
    }
    free(e);
}

static void dead_letter(actr_remote_t *r, const actr_id_t *peer, const actr_buf_t *raw,
                        const char *why)
{
    atomic_fetch_add_explicit(&r->undecodable, 1, memory_order_relaxed);
    actr_dlq_t *dlq = r->mailbox ? actr_mailbox_dlq(r->mailbox) : NULL;
    if (!dlq)
        return;
    uint8_t from[256];
    size_t from_len = 0;
    if (peer) {
        actr_id_pb_t pb;
        actr_id_pb_init(&pb, peer);
        size_t n = actr__actr_id__get_packed_size(&pb.id);
        if (n <= sizeof from)
            from_len = actr__actr_id__pack(&pb.id, from);
    }
    actr_dlq_entry_t e = {.from = from, .from_len = from_len, .raw = raw->data,
                          .raw_len = raw->len, .error_message = why,
                          .error_category = ACTR_DLQ_CATEGORY_DECODE, .trace_id = ""};
    actr_error_t err;
    if (actr_dlq_put(dlq, &e, NULL, &err) != 0)
        actr_log(ACTR_LOG_WARN, "remote", "dead letter not stored", ACTR_KV("error", err.message));
}

void actr_remote_on_inbound(actr_remote_t *r, actr_ws_conn_id_t conn, const actr_id_t *peer,
                            uint8_t payload_type, actr_buf_t frame)
{
    (void)conn;
    Actr__RpcEnvelope *env = NULL;
    if (payload_type > ACTR_WS_RPC_SIGNAL || !peer)
        goto drop; /* media has no consumer yet; streams never come here */
    env = actr__rpc_envelope__unpack(NULL, frame.len, frame.data);
    if (!env) {
        dead_letter(r, peer, &frame, "payload is not an RpcEnvelope");
        goto drop;
    }
    bool tell = env->has_direction && env->direction == ACTR__DIRECTION__DIRECTION_TELL;
    bool request = env->has_direction && env->direction == ACTR__DIRECTION__DIRECTION_REQUEST;
    size_t rid_len = env->request_id ? strlen(env->request_id) : 0;
    size_t rk_len = env->route_key ? strlen(env->route_key) : 0;
    if ((!tell && !request) || rid_len == 0 || rid_len > ACTR_DEDUP_MAX_ID || rk_len == 0 ||
        rk_len >= ACTR_ROUTE_KEY_STR_SIZE) {
        atomic_fetch_add_explicit(&r->orphans, 1, memory_order_relaxed);
        goto drop; /* receivers route on direction alone (runtime.md 1.1) */
    }
    atomic_fetch_add_explicit(&r->received, 1, memory_order_relaxed);
    const actr_acl_t *acl = r->cfg->has_acl ? &r->cfg->acl : NULL;
    actr_acl_decision_t dec = actr_acl_evaluate(acl, ACTR_ACL_CALLER_REMOTE, peer);
    if (!dec.allowed) {
        atomic_fetch_add_explicit(&r->denied, 1, memory_order_relaxed);
        if (request) {
            actr_error_t e;
            actr_acl_denied_error(ACTR_ACL_CALLER_REMOTE, peer, &r->node->id, &e);
            reply(r, peer, env->route_key, env->request_id, e.code, NULL, &e);
        }
        goto drop;
    }
    actr_dedup_check_t chk;
    if (actr_dedup_check(r->dedup, env->request_id, rid_len, request, &chk) != 0) {
        if (request) {
            actr_error_t e;
            actr_error_set(&e, ACTR_EAGAIN, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                           "too many requests in flight");
            reply(r, peer, env->route_key, env->request_id, e.code, NULL, &e);
        }
        goto drop;
    }
    if (chk.state == ACTR_DEDUP_DUPLICATE) {
        atomic_fetch_add_explicit(&r->duplicates, 1, memory_order_relaxed);
        if (request)
            reply(r, peer, env->route_key, env->request_id, chk.result.code, &chk.result.payload,
                  &chk.result.error);
        actr_dedup_result_release(&chk.result);
        goto drop;
    }
    if (chk.state == ACTR_DEDUP_IN_FLIGHT) {
        atomic_fetch_add_explicit(&r->duplicates, 1, memory_order_relaxed);
        if (chk.waiter)
            wait_for_original(r, peer, env, chk.waiter);
        goto drop;
    }
    /* FRESH: persist, then the consumer hands it to the actor. */
    enq_t *e = calloc(1, sizeof *e);
    int rc = e ? 0 : ACTR_ENOMEM;
    uint8_t from[256];
    size_t from_len = 0;
    if (e) {
        e->r = r;
        e->peer = *peer;
        e->is_tell = tell;
        memcpy(e->route_key, env->route_key, rk_len + 1);
        memcpy(e->request_id, env->request_id, rid_len + 1);
        actr_id_pb_t pb;
        actr_id_pb_init(&pb, peer);
        if (actr__actr_id__get_packed_size(&pb.id) <= sizeof from)
            from_len = actr__actr_id__pack(&pb.id, from);
        actr_error_t err;
        rc = actr_mailbox_enqueue_async(r->mailbox, from, from_len, &frame,
                                        payload_type == ACTR_WS_RPC_SIGNAL ? ACTR_MSG_HIGH
                                                                           : ACTR_MSG_NORMAL,
                                        on_enqueued, e, &err);
    }
    if (rc != 0) {
        actr_error_t busy;
        actr_error_set(&busy, ACTR_EUNAVAILABLE, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                       "mailbox unavailable: %s", actr_strerror(rc));
        actr_dedup_complete(r->dedup, env->request_id, rid_len, busy.code, NULL, &busy);
        if (request)
            reply(r, peer, env->route_key, env->request_id, busy.code, NULL, &busy);
        free(e);
    }
drop:
    if (env)
        actr__rpc_envelope__free_unpacked(env, NULL);
    actr_buf_release(&frame);
}

/* ---- completion (the worker that ran the handler) ---- */

static void free_origin_env(void *ptr, void *opaque)
{
    (void)ptr;
    actr__rpc_envelope__free_unpacked(opaque, NULL);
}

static void inbound_done(actr_request_t *req)
{
    actr_call_ext_t *x = req->call;
    actr_remote_origin_t *o = x->origin;
    actr_remote_t *r = o->remote;
    actr_error_t err;
    if (x->status == ACTR_ECLOSED) {
        /* The actor stopped before handling it: keep it for the next start. */
        actr_mailbox_release(r->mailbox, &o->msg_id, 1, NULL);
        atomic_fetch_sub_explicit(&r->inflight, 1, memory_order_relaxed);
        return;
    }
    if (actr_mailbox_ack(r->mailbox, &o->msg_id, 1, &err) != 0)
        actr_log(ACTR_LOG_WARN, "remote", "mailbox ack failed", ACTR_KV("error", err.message));
    actr_dedup_complete(r->dedup, o->request_id, strlen(o->request_id), x->status,
                        x->status == 0 ? &x->response : NULL, x->error);
    if (!o->is_tell && o->has_caller)
        reply(r, &o->caller, req->route_key, o->request_id, x->status, &x->response, x->error);
    atomic_fetch_sub_explicit(&r->inflight, 1, memory_order_relaxed);
}

/* Builds and delivers one message: 0 when the actor has it (or it was dead-lettered), else it
 * must go back to the mailbox (ACTR_EAGAIN: inbox full, ACTR_ECLOSED: stopping). */
static int deliver(actr_remote_t *r, actr_mailbox_msg_t *m)
{
    Actr__RpcEnvelope *env = actr__rpc_envelope__unpack(NULL, m->payload.len, m->payload.data);
    if (!env || !env->route_key || !env->request_id) {
        if (env)
            actr__rpc_envelope__free_unpacked(env, NULL);
        dead_letter(r, NULL, &m->payload, "stored message is not an RpcEnvelope");
        actr_mailbox_ack(r->mailbox, &m->id, 1, NULL);
        return 0;
    }
    actr_remote_origin_t *o = calloc(1, sizeof *o);
    char rk[ACTR_ROUTE_KEY_STR_SIZE];
    snprintf(rk, sizeof rk, "%s", env->route_key);
    if (o) {
        Actr__ActrId *from =
            m->from.len ? actr__actr_id__unpack(NULL, m->from.len, m->from.data) : NULL;
        o->has_caller = from && actr_id_from_pb(from, &o->caller, NULL) == 0;
        if (from)
            actr__actr_id__free_unpacked(from, NULL);
        o->remote = r;
        o->msg_id = m->id;
        o->is_tell = env->has_direction && env->direction == ACTR__DIRECTION__DIRECTION_TELL;
        snprintf(o->request_id, sizeof o->request_id, "%s", env->request_id);
    }
    /* The handler reads the payload where protobuf-c decoded it: no further copy. */
    actr_buf_t payload = ACTR_BUF_INIT;
    if (env->payload.len &&
        actr_buf_wrap(env->payload.data, env->payload.len, free_origin_env, env, &payload) == 0)
        env = NULL;
    else if (env->payload.len && actr_buf_copy(env->payload.data, env->payload.len, &payload))
        payload = (actr_buf_t)ACTR_BUF_INIT;
    if (env)
        actr__rpc_envelope__free_unpacked(env, NULL);
    actr_request_t *req = o ? actr_request_new(o->is_tell ? ACTR_DIR_TELL : ACTR_DIR_REQUEST,
                                               ACTR_REQ_ASYNC, rk, strlen(rk), &payload)
                            : NULL;
    actr_buf_release(&payload);
    if (!req) {
        free(o);
        return ACTR_EAGAIN; /* out of memory: back to the mailbox, try again later */
    }
    req->call->origin = o; /* freed with the request */
    req->call->deliver = inbound_done;
    atomic_fetch_add_explicit(&r->inflight, 1, memory_order_relaxed);
    actr_request_ref(req);
    int rc = actr_host_deliver(r->node, req, DELIVER_WAIT_MS);
    if (rc != 0) {
        atomic_fetch_sub_explicit(&r->inflight, 1, memory_order_relaxed);
        req->call->deliver = NULL;
        actr_request_unref(req); /* the reference deliver did not take */
    }
    actr_request_unref(req);
    return rc;
}

static void *consumer_main(void *arg)
{
    actr_remote_t *r = arg;
    actr_mailbox_msg_t batch[CONSUMER_BATCH];
    while (!atomic_load(&r->consumer_stop)) {
        size_t n = 0;
        int rc = actr_mailbox_dequeue_wait(r->mailbox, batch, CONSUMER_BATCH, &n,
                                           CONSUMER_POLL_MS, NULL);
        if (rc == ACTR_ECLOSED)
            break;
        size_t i = 0;
        for (; i < n && !atomic_load(&r->consumer_stop); i++) {
            while (atomic_load_explicit(&r->inflight, memory_order_relaxed) >=
                       CONSUMER_INFLIGHT_CAP && !atomic_load(&r->consumer_stop))
                nanosleep(&(struct timespec){0, CONSUMER_CAP_WAIT_NS}, NULL);
            if (atomic_load(&r->consumer_stop))
                break;
            while ((rc = deliver(r, &batch[i])) == ACTR_EAGAIN && !atomic_load(&r->consumer_stop))
                ; /* inbox full: the actor is behind, keep the order and wait */
            if (rc != 0)
                break;
        }
        /* What the actor did not take goes back, in order, undelivered. */
        for (size_t j = i; j < n; j++)
            actr_mailbox_release(r->mailbox, &batch[j].id, 1, NULL);
        actr_mailbox_msgs_release(batch, n);
    }
    return NULL;
}

int actr_remote_mailbox_open(actr_remote_t *r, actr_error_t *err)
{
    if (r->mailbox)
        return 0;
    actr_mailbox_options_t mo;
    actr_mailbox_options_init(&mo);
    uint8_t owner[256];
    actr_id_pb_t pb;
    actr_id_pb_init(&pb, &r->node->id);
    if (actr__actr_id__get_packed_size(&pb.id) <= sizeof owner) {
        mo.owner_len = actr__actr_id__pack(&pb.id, owner);
        mo.owner = owner;
    }
    /* Durable when [storage].mailbox_path is set; in memory otherwise (docs/RUNTIME.md). */
    return actr_mailbox_open(r->cfg->mailbox_path, &mo, &r->mailbox, err);
}

int actr_remote_consumer_start(actr_remote_t *r, actr_error_t *err)
{
    if (r->consumer_started)
        return 0;
    atomic_store(&r->consumer_stop, false);
    if (pthread_create(&r->consumer, NULL, consumer_main, r) != 0)
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, 0,
                              "cannot start the mailbox consumer");
    r->consumer_started = true;
    return 0;
}

void actr_remote_consumer_stop(actr_remote_t *r)
{
    if (!r->consumer_started)
        return;
    atomic_store(&r->consumer_stop, true);
    pthread_join(r->consumer, NULL);
    r->consumer_started = false;
}

int actr_remote_open_gate(struct actr_node *n)
{
    actr_remote_t *r = n->remote;
    if (!r)
        return 0;
    atomic_store(&r->gate_open, true);
    return actr_remote_consumer_start(r, NULL);
}
