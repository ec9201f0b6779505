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
 */
#include "lifecycle/remote_internal.h"

#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "actr/workload.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/request_id.h"
#include "package.pb-c.h"

#define SWEEP_MS 1000

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

/* ---- sending (any thread -> loop) ---- */

typedef struct send_cmd {
    actr_remote_t *r;
    actr_request_t *req; /* our reference */
    actr_id_t target;
    actr_buf_t frame;
    uint8_t lane;
    char rid[ACTR_UUID_STR_LEN + 1];
} send_cmd_t;

static void fail(actr_request_t *req, int rc, uint32_t wire, const char *msg)
{
    actr_error_t e;
    actr_error_set(&e, rc, actr_wire_code_kind(wire), wire, "%s", msg);
    actr_request_complete(req, rc, NULL, &e);
}

static void on_sweep(uv_timer_t *t)
{
    actr_remote_sweep_pending(t->data);
}

static void send_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    send_cmd_t *c = arg;
    actr_remote_t *r = c->r;
    char key[ACTR_ID_STR_SIZE] = "";
    void *url = NULL;
    actr_ws_conn_id_t conn = 0;
    int rc = r->stopping || !r->ws ? ACTR_ECLOSED : 0;
    bool have_url = rc == 0 && actr_id_format(&c->target, key, sizeof key, NULL) == 0 &&
                    actr_hmap_get(r->peer_urls, key, strlen(key), &url) == 0;
    /* Route (remote_webrtc.c): a ready WebRTC peer first, else the direct WebSocket. */
    bool rtc = rc == 0 && actr_remote_webrtc_use(r, &c->target, have_url);
    if (rc == 0 && !rtc && !have_url)
        rc = ACTR_EUNAVAILABLE;
    if (rc == 0 && !rtc)
        rc = actr_ws_dial(r->ws, &c->target, url, &conn);
    bool call = c->req->direction == ACTR_DIR_REQUEST;
    if (rc == 0 && call) {
        actr_request_ref(c->req);
        rc = actr_hmap_insert(r->pending, c->rid, strlen(c->rid), c->req);
        if (rc != 0)
            actr_request_unref(c->req);
    }
    if (rc == 0) {
        rc = rtc ? actr_remote_webrtc_send(r, &c->target, c->lane, &c->frame, call ? c->rid : NULL)
                 : actr_ws_send(r->ws, conn, c->lane, &c->frame);
        if (rc != 0 && call) {
            void *v = NULL;
            if (actr_hmap_remove(r->pending, c->rid, strlen(c->rid), &v) == 0)
                actr_request_unref(v);
        }
    }
    if (rc == 0 && call && !r->sweep_open) {
        uv_timer_init(r->uv, &r->sweep);
        r->sweep.data = r;
        uv_timer_start(&r->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
        r->sweep_open = true;
    }
    if (rc == 0) {
        atomic_fetch_add_explicit(&r->sent, 1, memory_order_relaxed);
    } else {
        char msg[ACTR_ERROR_MESSAGE_MAX];
        if (rc == ACTR_EUNAVAILABLE)
            snprintf(msg, sizeof msg, "no route to %.150s: no WebSocket address known "
                     "(discover it first)", key);
        else
            snprintf(msg, sizeof msg, "remote send failed: %s", actr_strerror(rc));
        fail(c->req, rc, rc == ACTR_ETOOBIG ? ACTR_WIRE_INVALID_ARGUMENT : ACTR_WIRE_UNAVAILABLE,
             msg);
    }
    actr_buf_release(&c->frame);
    actr_request_unref(c->req);
    free(c);
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
    send_cmd_t *c = calloc(1, sizeof *c);
    if (!c) {
        actr_request_unref(req);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    c->r = r;
    c->req = req;
    c->target = *target;
    c->lane = ACTR_WS_RPC_RELIABLE;
    actr_request_id_format(req->rid, from->hyper->rid_key, c->rid);
    bool call = req->direction == ACTR_DIR_REQUEST;
    int rc = actr_remote_encode_envelope(req->route_key, &req->payload, req->direction, c->rid,
                                         call ? timeout_ms : 0, 0, NULL, &c->frame);
    if (rc == 0)
        rc = actr_loop_post(r->loop, send_on_loop, c);
    if (rc != 0) {
        actr_buf_release(&c->frame);
        free(c);
        actr_request_unref(req);
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "remote send: %s", actr_strerror(rc));
    }
    return 0;
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
        actr_hmap_remove(r->pending, env->request_id, strlen(env->request_id), &v) != 0) {
        /* Requests on a dialled socket, late or unknown responses: dropped (protocol.md 8.8). */
        atomic_fetch_add_explicit(&r->orphans, 1, memory_order_relaxed);
        if (env)
            actr__rpc_envelope__free_unpacked(env, NULL);
        return;
    }
    actr_request_t *req = v;
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
    actr_request_unref(req);
}

void actr_remote_sweep_pending(actr_remote_t *r)
{
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    actr_hmap_iter_init(r->pending, &it);
    while (actr_hmap_iter_next(&it, &e)) {
        actr_request_t *req = e.value;
        if (!actr_request_pending(req)) {
            actr_hmap_iter_remove(&it);
            actr_request_unref(req);
        }
    }
}

void actr_remote_fail_pending(actr_remote_t *r)
{
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    actr_hmap_iter_init(r->pending, &it);
    while (actr_hmap_iter_next(&it, &e)) {
        actr_request_t *req = e.value;
        actr_hmap_iter_remove(&it);
        fail(req, ACTR_ECLOSED, ACTR_WIRE_UNAVAILABLE, "the node is shutting down");
        actr_request_unref(req);
    }
}
