/*
 * remote_outbound.c - calls and tells to actors in other processes over direct WebSocket
 * (protocol.md 8.3, 8.8): encode the RpcEnvelope, dial the peer's discovered address (one
 * connection per peer), keep calls in a pending table by request id until the response, an
 * error envelope or the caller's deadline completes them.
 *
 * A remote call is the same actr_request_t as an in-process one: the caller waits on it (or gets
 * its callback) exactly as for a local target, so deadlines, async delivery and shutdown rules
 * are shared. Route selection: a ready WebRTC peer first, else the direct WebSocket (the rule
 * is in remote_webrtc.c).
 *
 * Delivery (docs/RUNTIME.md 6.3), per message on the loop thread:
 *   - An attempt fails BEFORE the message reached the peer's connection (no connection could be
 *     opened, the dial was refused, the queue was full, the connection died before it was up,
 *     the WebRTC peer dropped the queued message): the lane's retry policy applies
 *     (gate/retry_policy.h, scenario 22: RPC_RELIABLE 5 attempts 1/2/4/5 s, RPC_SIGNAL 2
 *     attempts 500 ms), the same bytes and request id go out again, and the call's deadline
 *     (a tell: the 13 s send budget) cuts the backoff short. Client-class failures (too big, no
 *     address known) end at once.
 *   - The connection that carried a call closes before the response came: the call fails AT
 *     ONCE with Unavailable "connection ... closed" (the reference's rule, runtime.md 10.1),
 *     not at its deadline; it is not re-sent, as the handler may have run.
 * One timer serves every backoff (a list sorted by due time): no uv handle per message.
 */
#include "lifecycle/remote_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "actr/workload.h"
#include "base/clock.h"
#include "gate/retry_policy.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/request_id.h"
#include "lifecycle/route_lanes.h"
#include "package.pb-c.h"

#define SWEEP_MS 1000

/* A declared lane (node.h) is the WebSocket frame's type byte and the WebRTC channel as is. */
_Static_assert((int)ACTR_WS_RPC_SIGNAL == (int)ACTR_LANE_RPC_SIGNAL &&
                   ACTR_RTC_COORD_LANE_RPC_SIGNAL == (int)ACTR_LANE_RPC_SIGNAL &&
                   (int)ACTR_WS_RPC_RELIABLE == (int)ACTR_LANE_RPC_RELIABLE,
               "lane numbering differs between node.h and the wire");

int actr_remote_encode_envelope(const char *route_key, const actr_buf_t *payload, int direction,
                                const char *request_id, int64_t timeout_ms, uint32_t error_code,
                                const char *error_message, actr_buf_t *out)
{
    Actr__RpcEnvelope env = ACTR__RPC_ENVELOPE__INIT;
    Actr__ErrorResponse er = ACTR__ERROR_RESPONSE__INIT;
    env.route_key = (char *)(route_key ? route_key : "");
    env.has_direction = 1;
    env.direction = (Actr__Direction)direction;
    env.request_id = (char *)request_id;
    env.timeout_ms = timeout_ms;
    if (error_code) {
        er.code = error_code;
        er.message = (char *)(error_message ? error_message : "");
        env.error = &er;
    } else {
        env.has_payload = 1;
        if (payload && payload->len) {
            env.payload.data = (uint8_t *)payload->data;
            env.payload.len = payload->len;
        }
    }
    size_t n = actr__rpc_envelope__get_packed_size(&env);
    uint8_t *w = NULL;
    int rc = actr_buf_alloc(n ? n : 1, out, &w);
    if (rc != 0)
        return rc;
    actr__rpc_envelope__pack(&env, w);
    out->len = n;
    return 0;
}

/* ---- one outbound message and its delivery (loop thread) ---- */

typedef struct out_msg {
    actr_remote_t *r;
    actr_request_t *req; /* our reference */
    actr_id_t target;
    actr_buf_t frame;    /* the encoded envelope, re-sent as is by retries */
    uint8_t lane;
    bool call;
    bool delivered;      /* handed to a live connection: no more retries */
    bool via_rtc;        /* the current attempt went over WebRTC */
    bool in_pending;     /* in r->pending under rid */
    bool in_send;        /* inside actr_remote_webrtc_send(): its callback may run in there */
    bool sent_cb_due;    /* ... and did, with sent_rc */
    bool rtc_cb_owed;    /* the WebRTC callback will still run: keep the struct */
    bool dead;           /* finished while the callback was owed */
    int sent_rc;
    uint32_t attempts;
    uint64_t deadline_ms; /* monotonic; UINT64_MAX: none */
    uint64_t due_ms;      /* when waiting for a retry */
    actr_ws_conn_id_t conn;
    struct out_msg *prev, *next; /* r->out: every live message */
    struct out_msg *retry_next;  /* r->retry_head, sorted by due_ms */
    bool in_retry;
    char rid[ACTR_UUID_STR_LEN + 1];
} out_msg_t;

static void fail(actr_request_t *req, int rc, uint32_t wire, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(actr_request_t *req, int rc, uint32_t wire, const char *fmt, ...)
{
    char msg[ACTR_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    actr_error_t e;
    actr_error_set(&e, rc, actr_wire_code_kind(wire), wire, "%s", msg);
    actr_request_complete(req, rc, NULL, &e);
}

static void retry_unlink(out_msg_t *m)
{
    if (!m->in_retry)
        return;
    out_msg_t **pp = (out_msg_t **)&m->r->retry_head;
    while (*pp && *pp != m)
        pp = &(*pp)->retry_next;
    if (*pp)
        *pp = m->retry_next;
    m->in_retry = false;
}

/* Drops m from every table and releases what it holds; the memory goes once no WebRTC
 * callback is owed any more. */
static void finish(out_msg_t *m)
{
    actr_remote_t *r = m->r;
    if (m->dead)
        return;
    retry_unlink(m);
    if (m->in_pending) {
        void *v = NULL;
        actr_hmap_remove(r->pending, m->rid, strlen(m->rid), &v);
        m->in_pending = false;
    }
    if (m->prev)
        m->prev->next = m->next;
    else
        r->out = m->next;
    if (m->next)
        m->next->prev = m->prev;
    actr_buf_release(&m->frame);
    actr_request_unref(m->req);
    m->req = NULL;
    m->dead = true;
    if (!m->rtc_cb_owed && !m->in_send)
        free(m);
}

static void on_retry_timer(uv_timer_t *t);

static void arm_retry_timer(actr_remote_t *r)
{
    out_msg_t *first = r->retry_head;
    if (!first)
        return;
    if (!r->retry_open) {
        uv_timer_init(r->uv, &r->retry_timer);
        r->retry_timer.data = r;
        r->retry_open = true;
    }
    uint64_t now = actr_clock_mono_ms();
    uv_timer_start(&r->retry_timer, on_retry_timer, first->due_ms > now ? first->due_ms - now : 0,
                   0);
}

static void schedule_retry(out_msg_t *m, uint64_t delay_ms)
{
    m->due_ms = actr_clock_mono_ms() + delay_ms;
    out_msg_t **pp = (out_msg_t **)&m->r->retry_head;
    while (*pp && (*pp)->due_ms <= m->due_ms)
        pp = &(*pp)->retry_next;
    m->retry_next = *pp;
    *pp = m;
    m->in_retry = true;
    arm_retry_timer(m->r);
}

/* An attempt failed before the message reached the peer: retry per the lane's policy, or end. */
static void attempt_failed(out_msg_t *m, int rc, bool retryable, const char *why)
{
    actr_remote_t *r = m->r;
    if (m->call && !actr_request_pending(m->req)) { /* the deadline or a response won already */
        finish(m);
        return;
    }
    uint64_t now = actr_clock_mono_ms();
    uint64_t left = m->deadline_ms == UINT64_MAX ? ACTR_RETRY_NO_DEADLINE
                    : m->deadline_ms > now       ? m->deadline_ms - now
                                                 : 0;
    actr_error_kind_t kind = retryable ? actr_retry_kind(rc, NULL) : ACTR_KIND_CLIENT;
    uint64_t delay = 0;
    actr_retry_verdict_t v = actr_retry_decide(actr_retry_policy_for(m->lane), m->attempts, kind,
                                               left, &delay);
    char key[ACTR_ID_STR_SIZE] = "";
    actr_id_format(&m->target, key, sizeof key, NULL);
    char num[48];
    snprintf(num, sizeof num, "%u (backoff %llu ms)", m->attempts, (unsigned long long)delay);
    if (v == ACTR_RETRY_AFTER) {
        atomic_fetch_add_explicit(&r->retries, 1, memory_order_relaxed);
        actr_log(ACTR_LOG_DEBUG, "remote", "send failed, retrying", ACTR_KV("peer", key),
                 ACTR_KV("why", why), ACTR_KV("attempt", num));
        m->conn = 0;
        m->via_rtc = false;
        schedule_retry(m, delay);
        return;
    }
    atomic_fetch_add_explicit(&r->send_failures, 1, memory_order_relaxed);
    if (!m->call)
        actr_log(ACTR_LOG_WARN, "remote", "tell not delivered", ACTR_KV("peer", key),
                 ACTR_KV("why", why), ACTR_KV("attempts", num));
    if (v == ACTR_RETRY_TIMED_OUT)
        fail(m->req, ACTR_ETIMEDOUT, ACTR_WIRE_TIMED_OUT,
             "timed out: no connection to %.150s within the deadline (%u attempts; last: %s)", key,
             m->attempts, why);
    else
        fail(m->req, rc, rc == ACTR_ETOOBIG ? ACTR_WIRE_INVALID_ARGUMENT : ACTR_WIRE_UNAVAILABLE,
             "%s (%u attempt%s)", why, m->attempts, m->attempts == 1 ? "" : "s");
    finish(m);
}

/* The message is on a live connection: a tell is done, a call waits for its response. */
static void delivered(out_msg_t *m)
{
    m->delivered = true;
    atomic_fetch_add_explicit(&m->r->sent, 1, memory_order_relaxed);
    if (!m->call)
        finish(m);
}

/* A WebRTC send that failed before the message left: ACTR_ESTATE means its channel was not
 * open (yet). The coordinator sends what it queued for a new peer once RPC_RELIABLE opens, when
 * the RPC_SIGNAL channel may still be opening: that is worth the lane's retry, not an end. */
static int rtc_failure_code(int rc)
{
    return rc == ACTR_ESTATE ? ACTR_EUNAVAILABLE : rc;
}

static void rtc_sent_result(out_msg_t *m, int rc)
{
    if (m->dead)
        return;
    if (rc == 0)
        delivered(m);
    else
        attempt_failed(m, rtc_failure_code(rc), true, "the WebRTC connection dropped the message");
}

/* actr_remote_webrtc_send()'s callback: the fate of a message it accepted. */
static void on_rtc_sent(void *arg, int rc)
{
    out_msg_t *m = arg;
    m->rtc_cb_owed = false;
    if (m->in_send) { /* ran inside the send call: attempt() takes it from here */
        m->sent_cb_due = true;
        m->sent_rc = rc;
        return;
    }
    if (m->dead) {
        free(m);
        return;
    }
    rtc_sent_result(m, rc);
}

static void attempt(out_msg_t *m)
{
    actr_remote_t *r = m->r;
    m->attempts++;
    if (r->stopping || !r->ws) {
        attempt_failed(m, ACTR_ECLOSED, false, "the node is shutting down");
        return;
    }
    char key[ACTR_ID_STR_SIZE] = "";
    void *url = NULL;
    bool have_url = actr_id_format(&m->target, key, sizeof key, NULL) == 0 &&
                    actr_hmap_get(r->peer_urls, key, strlen(key), &url) == 0;
    /* Route (remote_webrtc.c): a ready WebRTC peer first, else the direct WebSocket. */
    bool rtc = actr_remote_webrtc_use(r, &m->target, have_url);
    if (!rtc && !have_url) {
        char why[ACTR_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "no route to %.150s: no WebSocket address known (discover it "
                 "first)", key);
        attempt_failed(m, ACTR_EUNAVAILABLE, false, why);
        return;
    }
    if (m->call && !m->in_pending) {
        if (actr_hmap_insert(r->pending, m->rid, strlen(m->rid), m) != 0) {
            attempt_failed(m, ACTR_ENOMEM, false, "out of memory");
            return;
        }
        m->in_pending = true;
    }
    int rc;
    if (rtc) {
        m->via_rtc = true;
        m->in_send = true;
        m->rtc_cb_owed = true;
        rc = actr_remote_webrtc_send(r, &m->target, m->lane, &m->frame, on_rtc_sent, m);
        m->in_send = false;
        if (rc != 0)
            m->rtc_cb_owed = false;
        if (m->dead) { /* cannot happen today; keeps the rule "dead + no callback owed = free" */
            if (!m->rtc_cb_owed)
                free(m);
            return;
        }
        if (rc == 0 && m->sent_cb_due) {
            m->sent_cb_due = false;
            rtc_sent_result(m, m->sent_rc);
            return;
        }
        if (rc != 0)
            attempt_failed(m, rtc_failure_code(rc), rc != ACTR_ETOOBIG, "WebRTC send failed");
        return;
    }
    actr_ws_conn_id_t conn = 0;
    rc = actr_ws_dial(r->ws, &m->target, url, &conn);
    if (rc == 0)
        rc = actr_ws_send(r->ws, conn, m->lane, &m->frame);
    if (rc != 0) {
        char why[ACTR_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "remote send failed: %s", actr_strerror(rc));
        attempt_failed(m, rc, rc != ACTR_ETOOBIG && rc != ACTR_EINVAL, why);
        return;
    }
    m->conn = conn;
    actr_ws_conn_info_t info;
    if (actr_ws_conn_info(r->ws, conn, &info) == 0 && info.state == ACTR_WS_CONNECTED)
        delivered(m);
    /* else: CONNECTED or DISCONNECTED of conn decides (actr_remote_outbound_on_ws_state). */
}

static void on_retry_timer(uv_timer_t *t)
{
    actr_remote_t *r = t->data;
    uint64_t now = actr_clock_mono_ms();
    /* Bounded: each message is taken once per firing (attempt() may queue it again, later). */
    out_msg_t *due = NULL, **tail = &due;
    while (r->retry_head && ((out_msg_t *)r->retry_head)->due_ms <= now) {
        out_msg_t *m = r->retry_head;
        r->retry_head = m->retry_next;
        m->in_retry = false;
        m->retry_next = NULL;
        *tail = m;
        tail = &m->retry_next;
    }
    while (due) {
        out_msg_t *m = due;
        due = m->retry_next;
        m->retry_next = NULL;
        if (m->call && !actr_request_pending(m->req))
            finish(m);
        else
            attempt(m);
    }
    arm_retry_timer(r);
}

static void on_sweep(uv_timer_t *t)
{
    actr_remote_sweep_pending(t->data);
}

static void start_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    out_msg_t *m = arg;
    actr_remote_t *r = m->r;
    m->next = r->out;
    if (r->out)
        r->out->prev = m;
    r->out = m;
    if (m->call && !r->sweep_open && !r->stopping) {
        uv_timer_init(r->uv, &r->sweep);
        r->sweep.data = r;
        uv_timer_start(&r->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
        r->sweep_open = true;
    }
    attempt(m);
}

int actr_remote_send(struct actr_node *from, actr_request_t *req, const actr_id_t *target,
                     int64_t timeout_ms, actr_error_t *err)
{
    actr_remote_t *r = from->remote;
    if (!r || r->stopping) {
        actr_request_unref(req);
        return actr_error_set(err, ACTR_EUNAVAILABLE, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "no route: this node has no network side (it was not registered "
                              "with AIS)");
    }
    out_msg_t *m = calloc(1, sizeof *m);
    if (!m) {
        actr_request_unref(req);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    m->r = r;
    m->req = req;
    m->target = *target;
    /* The method's declared lane (node.h; only remote sends look it up). The WebSocket frame's
     * type byte and the WebRTC channel follow it; so does the retry policy (attempt_failed). */
    m->lane = (uint8_t)actr_route_lanes_get(from->route_lanes, req->route_key);
    m->call = req->direction == ACTR_DIR_REQUEST;
    uint64_t now = actr_clock_mono_ms();
    if (m->call)
        m->deadline_ms = req->call->deadline_ns ? req->call->deadline_ns / 1000000 : UINT64_MAX;
    else
        m->deadline_ms = now + ACTR_RETRY_TELL_BUDGET_MS;
    actr_request_id_format(req->rid, from->hyper->rid_key, m->rid);
    int rc = actr_remote_encode_envelope(req->route_key, &req->payload, req->direction, m->rid,
                                         m->call ? timeout_ms : 0, 0, NULL, &m->frame);
    if (rc == 0)
        rc = actr_loop_post(r->loop, start_on_loop, m);
    if (rc != 0) {
        actr_buf_release(&m->frame);
        free(m);
        actr_request_unref(req);
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "remote send: %s", actr_strerror(rc));
    }
    return 0;
}

/* ---- connection events (loop thread) ---- */

void actr_remote_outbound_on_ws_state(actr_remote_t *r, const actr_ws_event_t *ev)
{
    if (ev->dir != ACTR_WS_DIALLED || ev->state == ACTR_WS_CONNECTING)
        return;
    /* Bounded by the live messages; connection events are rare next to messages. */
    for (out_msg_t *m = r->out, *next; m; m = next) {
        next = m->next;
        if (m->via_rtc || m->conn != ev->conn)
            continue;
        if (ev->state == ACTR_WS_CONNECTED) {
            if (!m->delivered)
                delivered(m);
        } else if (!m->delivered) {
            m->conn = 0;
            attempt_failed(m, ACTR_ECLOSED, true,
                           ev->reason == ACTR_WS_REASON_CONNECT_FAILED
                               ? "could not connect to the peer's WebSocket"
                               : "the WebSocket to the peer closed before the message was sent");
        } else if (m->call) {
            char key[ACTR_ID_STR_SIZE] = "";
            actr_id_format(&m->target, key, sizeof key, NULL);
            atomic_fetch_add_explicit(&r->lost_calls, 1, memory_order_relaxed);
            fail(m->req, ACTR_EUNAVAILABLE, ACTR_WIRE_UNAVAILABLE,
                 "connection closed: the WebSocket to %.150s closed before the response", key);
            finish(m);
        }
    }
}

void actr_remote_outbound_peer_lost(actr_remote_t *r, const actr_id_t *peer)
{
    for (out_msg_t *m = r->out, *next; m; m = next) {
        next = m->next;
        if (!m->via_rtc || !m->delivered || !m->call || !actr_id_equal(&m->target, peer))
            continue;
        char key[ACTR_ID_STR_SIZE] = "";
        actr_id_format(peer, key, sizeof key, NULL);
        atomic_fetch_add_explicit(&r->lost_calls, 1, memory_order_relaxed);
        fail(m->req, ACTR_EUNAVAILABLE, ACTR_WIRE_UNAVAILABLE,
             "connection closed: the WebRTC connection to %.150s closed before the response", key);
        finish(m);
    }
}

/* ---- responses (loop thread) ---- */

static void free_unpacked(void *ptr, void *opaque)
{
    (void)ptr;
    actr__rpc_envelope__free_unpacked(opaque, NULL);
}

void actr_remote_on_response(actr_remote_t *r, actr_buf_t frame)
{
    Actr__RpcEnvelope *env = actr__rpc_envelope__unpack(NULL, frame.len, frame.data);
    actr_buf_release(&frame);
    void *v = NULL;
    if (!env || !env->has_direction || env->direction != ACTR__DIRECTION__DIRECTION_RESPONSE ||
        !env->request_id ||
        actr_hmap_get(r->pending, env->request_id, strlen(env->request_id), &v) != 0) {
        /* Requests on a dialled socket, late or unknown responses: dropped (protocol.md 8.8). */
        atomic_fetch_add_explicit(&r->orphans, 1, memory_order_relaxed);
        if (env)
            actr__rpc_envelope__free_unpacked(env, NULL);
        return;
    }
    out_msg_t *m = v;
    actr_request_t *req = m->req;
    atomic_fetch_add_explicit(&r->responses, 1, memory_order_relaxed);
    if (env->error) {
        actr_error_t e;
        uint32_t wire = env->error->code;
        actr_error_set(&e, actr_errno_for_wire_code(wire), actr_wire_code_kind(wire), wire, "%s",
                       env->error->message ? env->error->message : "");
        actr_request_complete(req, e.code, NULL, &e);
        actr__rpc_envelope__free_unpacked(env, NULL);
    } else {
        /* The response references the decoded message: no second copy of the payload. */
        actr_buf_t resp = ACTR_BUF_INIT;
        if (env->payload.len == 0 ||
            actr_buf_wrap(env->payload.data, env->payload.len, free_unpacked, env, &resp) != 0) {
            if (env->payload.len && actr_buf_copy(env->payload.data, env->payload.len, &resp))
                resp = (actr_buf_t)ACTR_BUF_INIT;
            actr__rpc_envelope__free_unpacked(env, NULL);
        }
        actr_request_complete(req, 0, &resp, NULL);
    }
    finish(m);
}

void actr_remote_sweep_pending(actr_remote_t *r)
{
    for (out_msg_t *m = r->out, *next; m; m = next) {
        next = m->next;
        if (m->call && !actr_request_pending(m->req))
            finish(m);
    }
}

void actr_remote_fail_pending(actr_remote_t *r)
{
    while (r->out) {
        out_msg_t *m = r->out;
        if (m->call)
            fail(m->req, ACTR_ECLOSED, ACTR_WIRE_UNAVAILABLE, "the node is shutting down");
        finish(m);
    }
}
