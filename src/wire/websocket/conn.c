/*
 * conn.c - direct WebSocket connections: dialling with retries, the lws callbacks (both sides
 * share one protocol), receiving messages into refcounted buffers, and the bounded send queue.
 *
 * Lifetime: a conn is "live" (its id resolves) until ws_conn_end() reports DISCONNECTED; the
 * struct itself lives until lws lets go of its wsi, because lws may still call back (a close
 * frame to write, the final WSI_DESTROY). Every terminal lws event detaches the wsi (opaque user
 * data set to NULL), so nothing in lws points at a freed conn.
 *
 * Send queue full policy: a frame that would pass max_queue_frames or max_queue_bytes is refused
 * with ACTR_EAGAIN and nothing queued (an empty queue takes any one frame); queued frames are
 * never dropped to make room; on_writable tells the owner when the queue is half empty again.
 * Frames still queued when a connection ends are dropped with it: replies are bound to their
 * connection, and the owner learns of the loss from DISCONNECTED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "platform/config/url.h"
#include "wire/websocket/ws_internal.h"

#define WS_CLOSE_ACK_SECS 3         /* how long our close frame waits for the peer's */
#define WS_WRITES_PER_CALLBACK 16   /* frames written per WRITEABLE while the kernel takes them */
#define WS_RETRY_MAX_MS 10000       /* WirePool's cap (runtime.md 4.6) */
/* LWS_WRITE_CLOSE is private in 4.1.6; lws_close_reason() + return -1 loses the frame there. */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)

ws_conn_t *ws_conn_get(const actr_ws_hub_t *hub, actr_ws_conn_id_t id)
{
    void *v = NULL;
    if (!hub || !id || actr_hmap_get_u64(hub->by_id, id, &v) != 0)
        return NULL;
    return v;
}

static ws_conn_t *conn_new(actr_ws_hub_t *hub, actr_ws_dir_t dir)
{
    ws_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->hub = hub;
    c->dir = dir;
    c->id = hub->next_id++;
    c->early_tail = &c->early;
    ws_rx_init(&c->rx, hub->cfg.max_message_bytes);
    if (actr_hmap_insert_u64(hub->by_id, c->id, c) != 0) {
        free(c);
        return NULL;
    }
    c->next = hub->conns;
    hub->conns = c;
    hub->n_live++;
    return c;
}

static void queue_clear(ws_conn_t *c)
{
    while (c->q_head) {
        ws_frame_t *next = c->q_head->next;
        free(c->q_head);
        c->q_head = next;
    }
    c->q_tail = NULL;
    c->q_frames = c->q_bytes = 0;
}

static void early_clear(ws_conn_t *c)
{
    while (c->early) {
        ws_early_t *next = c->early->next;
        actr_buf_release(&c->early->payload);
        free(c->early);
        c->early = next;
    }
    c->early_tail = &c->early;
    c->early_frames = c->early_bytes = 0;
}

static void conn_free(ws_conn_t *c)
{
    queue_clear(c);
    early_clear(c);
    ws_auth_clear(c);
    ws_rx_free(&c->rx);
    free(c->host);
    free(c->path);
    free(c);
}

static void conn_unlink_free(ws_conn_t *c)
{
    for (ws_conn_t **p = &c->hub->conns; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    conn_free(c);
}

void ws_conns_free_all(actr_ws_hub_t *hub)
{
    while (hub->conns) {
        ws_conn_t *next = hub->conns->next;
        conn_free(hub->conns);
        hub->conns = next;
    }
}

void ws_conn_end(ws_conn_t *c, actr_ws_reason_t reason, uint16_t close_code)
{
    if (c->phase == WS_DEAD)
        return;
    actr_ws_hub_t *hub = c->hub;
    c->phase = WS_DEAD;
    c->reason = reason;
    actr_hmap_remove_u64(hub->by_id, c->id, NULL);
    hub->n_live--;
    queue_clear(c);
    early_clear(c);
    ws_auth_clear(c);
    ws_streams_forget_conn(hub, c);
    if (c->announced)
        ws_emit(hub, c, ACTR_WS_DISCONNECTED);
    if (c->wsi) {
        if (close_code && c->established) {
            c->close_pending = true;
            c->close_code = close_code;
            lws_callback_on_writable(c->wsi);
            lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, WS_CLOSE_ACK_SECS);
        } else {
            /* Called from outside lws (a timer, the owner) nothing re-arms lws's timer, so the
             * kill also comes through WRITEABLE (on_writeable returns -1 for a dead conn). */
            lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
            lws_callback_on_writable(c->wsi);
            lws_cancel_service(hub->lws);
        }
    } else if (!c->opening) {
        conn_unlink_free(c);
    }
}

void ws_conn_pause(ws_conn_t *c, unsigned why, bool on)
{
    unsigned old = c->pause;
    c->pause = on ? old | why : old & ~why;
    if (on && !(old & why) && why == WS_PAUSE_STREAMS)
        c->hub->stats.rx_paused++;
    if (c->wsi && !old != !c->pause)
        lws_rx_flow_control(c->wsi, c->pause ? 0 : 1);
}

/* ---- dialling ---- */

static void attempt_open(ws_conn_t *c);

static void attempt_failed(ws_conn_t *c)
{
    actr_ws_hub_t *hub = c->hub;
    c->established = false;
    ws_rx_reset(&c->rx);
    if (c->attempt >= hub->cfg.connect_attempts || hub->destroying) {
        actr_logf(ACTR_LOG_DEBUG, WS_LOG, "dial %s:%u failed after %u attempts", c->host,
                  c->port, c->attempt);
        ws_conn_end(c, ACTR_WS_REASON_CONNECT_FAILED, 0);
        return;
    }
    uint64_t delay = hub->cfg.retry_initial_ms;
    for (uint32_t i = 1; i < c->attempt && delay < WS_RETRY_MAX_MS; i++)
        delay *= 2;
    if (delay > WS_RETRY_MAX_MS)
        delay = WS_RETRY_MAX_MS;
    c->phase = WS_RETRY_WAIT;
    c->retry_at_ms = actr_clock_mono_ms() + delay;
    ws_tick_want(hub, false);
}

static void attempt_open(ws_conn_t *c)
{
    actr_ws_hub_t *hub = c->hub;
    c->attempt++;
    c->phase = WS_DIALING;
    c->opening = true; /* pins c: a callback below may end it */
    ws_emit(hub, c, ACTR_WS_CONNECTING);
    if (c->phase == WS_DIALING) {
        char host[300];
        bool v6 = strchr(c->host, ':') != NULL;
        snprintf(host, sizeof host, "%s%s%s:%u", v6 ? "[" : "", c->host, v6 ? "]" : "", c->port);
        struct lws_client_connect_info ci;
        memset(&ci, 0, sizeof ci);
        ci.context = hub->lws;
        ci.address = c->host;
        ci.port = c->port;
        ci.path = c->path;
        ci.host = host;
        ci.origin = host;
        ci.local_protocol_name = "actr-direct-ws";
        ci.opaque_user_data = c;
        hub->stats.dialled++;
        c->open_failed = false;
        struct lws *w = lws_client_connect_via_info(&ci); /* lws copies path and host */
        c->wsi = c->open_failed ? NULL : w; /* failed inside: lws forgot c already */
        if (!c->wsi)
            actr_logf(ACTR_LOG_DEBUG, WS_LOG, "cannot connect to %s", host);
    }
    c->opening = false;
    if (c->phase == WS_DEAD) {
        if (!c->wsi)
            conn_unlink_free(c);
        return;
    }
    if (!c->wsi)
        attempt_failed(c);
}

bool ws_conns_tick(actr_ws_hub_t *hub, uint64_t now_ms)
{
    /* One due conn at a time, rescanning: callbacks may end or create others. */
    for (uint32_t guard = 0; guard <= hub->n_live; guard++) {
        ws_conn_t *due = NULL;
        for (ws_conn_t *c = hub->conns; c && !due; c = c->next)
            if (c->phase == WS_RETRY_WAIT && c->retry_at_ms <= now_ms)
                due = c;
        if (!due)
            break;
        attempt_open(due);
    }
    for (uint32_t guard = 0; guard <= hub->n_live; guard++) {
        ws_conn_t *late = NULL;
        for (ws_conn_t *c = hub->conns; c && !late; c = c->next)
            if (c->phase == WS_AUTH && c->retry_at_ms && c->retry_at_ms <= now_ms)
                late = c;
        if (!late)
            break;
        hub->stats.auth_timeout++;
        hub->stats.auth_failed++;
        actr_log(ACTR_LOG_DEBUG, WS_LOG, "inbound peer dropped: credential check timed out");
        ws_conn_end(late, ACTR_WS_REASON_AUTH_FAILED, 0);
    }
    bool waiting = false;
    for (ws_conn_t *c = hub->conns; c; c = c->next)
        waiting |= c->phase == WS_RETRY_WAIT || (c->phase == WS_AUTH && c->retry_at_ms);
    return waiting;
}

actr_ws_conn_id_t actr_ws_find(const actr_ws_hub_t *hub, const actr_id_t *peer, actr_ws_dir_t dir)
{
    if (!hub || !peer || hub->destroying)
        return 0;
    for (const ws_conn_t *c = hub->conns; c; c = c->next) { /* newest first */
        if (c->phase == WS_DEAD || c->dir != dir || !c->has_peer)
            continue;
        if (dir == ACTR_WS_ACCEPTED && c->phase != WS_OPEN)
            continue; /* not verified yet */
        if (actr_id_equal(&c->peer, peer))
            return c->id;
    }
    return 0;
}

int actr_ws_dial(actr_ws_hub_t *hub, const actr_id_t *peer, const char *url,
                 actr_ws_conn_id_t *out)
{
    if (!hub || !peer || !url || !out)
        return ACTR_EINVAL;
    *out = 0;
    if (hub->destroying)
        return ACTR_ESTATE;
    actr_ws_conn_id_t existing = actr_ws_find(hub, peer, ACTR_WS_DIALLED);
    if (existing) {
        *out = existing;
        return 0;
    }
    if (hub->cfg.max_connections && hub->n_live >= hub->cfg.max_connections)
        return ACTR_EAGAIN;
    actr_url_t u;
    if (actr_url_parse(url, strlen(url), &u, NULL) != 0)
        return ACTR_EINVAL;
    int rc = 0;
    ws_conn_t *c = NULL;
    if (strcmp(u.scheme, "ws") != 0) {
        rc = ACTR_EUNSUPPORTED; /* the reference listens on plain TCP only */
    } else if (!(c = conn_new(hub, ACTR_WS_DIALLED))) {
        rc = ACTR_ENOMEM;
    } else {
        size_t n = strlen(u.path) + (u.query ? strlen(u.query) + 1 : 0) + 1;
        c->host = strdup(u.host);
        c->path = malloc(n);
        if (!c->host || !c->path) {
            rc = ACTR_ENOMEM;
            ws_conn_end(c, ACTR_WS_REASON_CLOSED_LOCALLY, 0);
        } else {
            snprintf(c->path, n, "%s%s%s", u.path, u.query ? "?" : "", u.query ? u.query : "");
            c->port = u.port;
            c->peer = *peer;
            c->has_peer = true;
            /* The first attempt starts from the loop: no event fires inside this call. */
            c->phase = WS_RETRY_WAIT;
            c->retry_at_ms = 0;
            ws_tick_want(hub, true);
            *out = c->id;
        }
    }
    actr_url_free(&u);
    return rc;
}

int actr_ws_close(actr_ws_hub_t *hub, actr_ws_conn_id_t id)
{
    ws_conn_t *c = ws_conn_get(hub, id);
    if (!c)
        return ACTR_ECLOSED;
    ws_conn_end(c, ACTR_WS_REASON_CLOSED_LOCALLY, LWS_CLOSE_STATUS_NORMAL);
    return 0;
}

int actr_ws_conn_info(const actr_ws_hub_t *hub, actr_ws_conn_id_t id, actr_ws_conn_info_t *out)
{
    const ws_conn_t *c = ws_conn_get(hub, id);
    if (!c || !out)
        return ACTR_ECLOSED;
    memset(out, 0, sizeof *out);
    out->dir = c->dir;
    out->state = c->phase == WS_OPEN ? ACTR_WS_CONNECTED : ACTR_WS_CONNECTING;
    out->has_peer = c->has_peer;
    if (c->has_peer)
        out->peer = c->peer;
    out->credential_expires_at = c->expires_at;
    return 0;
}

/* ---- sending ---- */

int actr_ws_send(actr_ws_hub_t *hub, actr_ws_conn_id_t id, uint8_t payload_type,
                 const actr_buf_t *payload)
{
    if (!hub || payload_type > WS_PAYLOAD_TYPE_MAX)
        return ACTR_EINVAL;
    ws_conn_t *c = ws_conn_get(hub, id);
    if (!c || hub->destroying)
        return ACTR_ECLOSED;
    size_t len = payload ? payload->len : 0;
    if (len > hub->cfg.max_message_bytes)
        return ACTR_ETOOBIG;
    size_t flen = WS_FRAME_HEADER + len;
    if (c->q_frames && (c->q_frames >= hub->cfg.max_queue_frames ||
                        c->q_bytes + flen > hub->cfg.max_queue_bytes)) {
        c->want_writable = true;
        hub->stats.queue_full++;
        return ACTR_EAGAIN;
    }
    ws_frame_t *f = malloc(sizeof *f + LWS_PRE + flen);
    if (!f)
        return ACTR_ENOMEM;
    f->next = NULL;
    f->len = flen;
    ws_frame_header(f->buf + LWS_PRE, payload_type, (uint32_t)len);
    if (len)
        memcpy(f->buf + LWS_PRE + WS_FRAME_HEADER, payload->data, len);
    bool was_empty = !c->q_head;
    if (c->q_tail)
        c->q_tail->next = f;
    else
        c->q_head = f;
    c->q_tail = f;
    c->q_frames++;
    c->q_bytes += flen;
    /* A non-empty queue already has a WRITEABLE on order: asking again costs a syscall. */
    if (was_empty && c->wsi && c->phase == WS_OPEN)
        lws_callback_on_writable(c->wsi);
    return 0;
}

void actr_ws_queued(const actr_ws_hub_t *hub, actr_ws_conn_id_t id, size_t *frames, size_t *bytes)
{
    const ws_conn_t *c = ws_conn_get(hub, id);
    if (frames)
        *frames = c ? c->q_frames : 0;
    if (bytes)
        *bytes = c ? c->q_bytes : 0;
}

static int send_close(ws_conn_t *c, struct lws *wsi)
{
    if (c->close_sent)
        return 0;
    unsigned char buf[LWS_PRE + 2];
    buf[LWS_PRE] = (unsigned char)(c->close_code >> 8);
    buf[LWS_PRE + 1] = (unsigned char)(c->close_code & 0xff);
    c->close_sent = true;
    return lws_write(wsi, buf + LWS_PRE, 2, WS_WRITE_CLOSE) < 2 ? -1 : 0;
}

static int on_writeable(ws_conn_t *c, struct lws *wsi)
{
    if (c->close_pending)
        return send_close(c, wsi);
    if (c->phase == WS_DEAD)
        return -1;
    if (c->phase != WS_OPEN)
        return 0; /* accepted and not verified yet: replies wait */
    actr_ws_hub_t *hub = c->hub;
    for (int n = 0; c->q_head && n < WS_WRITES_PER_CALLBACK; n++) {
        ws_frame_t *f = c->q_head;
        c->q_head = f->next;
        if (!c->q_head)
            c->q_tail = NULL;
        c->q_frames--;
        c->q_bytes -= f->len;
        size_t len = f->len;
        int w = lws_write(wsi, f->buf + LWS_PRE, len, LWS_WRITE_BINARY);
        free(f);
        if (w < 0 || (size_t)w < len) {
            actr_log(ACTR_LOG_INFO, WS_LOG, "write failed: closing the connection");
            ws_conn_end(c, ACTR_WS_REASON_SEND_FAILED, 0);
            return -1;
        }
        hub->stats.frames_out++;
        hub->stats.bytes_out += len - WS_FRAME_HEADER;
        if (lws_partial_buffered(wsi)) /* the kernel took only part: wait for WRITEABLE */
            break;
    }
    if (c->q_head)
        lws_callback_on_writable(wsi);
    if (c->want_writable && c->q_frames <= hub->cfg.max_queue_frames / 2 &&
        c->q_bytes <= hub->cfg.max_queue_bytes / 2) {
        c->want_writable = false;
        if (hub->cb.on_writable && !hub->destroying)
            hub->cb.on_writable(hub, c->id, hub->cb.userdata);
    }
    return 0;
}

/* ---- receiving ---- */

void ws_conn_deliver(ws_conn_t *c, uint8_t payload_type, actr_buf_t payload)
{
    actr_ws_hub_t *hub = c->hub;
    if (c->phase == WS_AUTH) { /* read before the verdict: kept (bounded) until it comes */
        ws_early_t *e = NULL;
        if (c->early_frames < hub->cfg.max_queue_frames &&
            c->early_bytes + payload.len <= hub->cfg.max_queue_bytes)
            e = calloc(1, sizeof *e);
        if (!e) {
            hub->stats.queue_full++;
            actr_buf_release(&payload);
            return;
        }
        e->payload_type = payload_type;
        e->payload = payload;
        *c->early_tail = e;
        c->early_tail = &e->next;
        c->early_frames++;
        c->early_bytes += payload.len;
        return;
    }
    if (c->phase != WS_OPEN || hub->destroying) {
        actr_buf_release(&payload);
        return;
    }
    if (payload_type == ACTR_WS_STREAM_RELIABLE || payload_type == ACTR_WS_STREAM_LATENCY_FIRST) {
        ws_stream_dispatch(c, payload_type, payload);
        return;
    }
    if (!hub->cb.on_frame) {
        actr_buf_release(&payload);
        return;
    }
    hub->cb.on_frame(hub, c->id, c->dir, c->has_peer ? &c->peer : NULL, payload_type, payload,
                     hub->cb.userdata);
}

static void on_receive(ws_conn_t *c, struct lws *wsi, const uint8_t *in, size_t len)
{
    actr_ws_hub_t *hub = c->hub;
    if (c->phase == WS_DEAD)
        return;
    if (lws_is_first_fragment(wsi)) {
        ws_rx_reset(&c->rx);
        c->rx_skip = !lws_frame_is_binary(wsi); /* Text is not ours to read */
    }
    bool final = lws_is_final_fragment(wsi);
    if (c->rx_skip) {
        if (final)
            hub->stats.malformed++;
        return;
    }
    size_t rest = lws_remaining_packet_payload(wsi);
    int rc = ws_rx_feed(&c->rx, in, len, final, final ? 0 : rest);
    if (rc == ACTR_ETOOBIG) {
        hub->stats.oversized++;
        actr_logf(ACTR_LOG_WARN, WS_LOG,
                  "inbound message over %zu bytes: closing the connection (1009)",
                  hub->cfg.max_message_bytes);
        ws_conn_end(c, ACTR_WS_REASON_OVERSIZED, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
        return;
    }
    if (!final)
        return;
    uint8_t pt = 0;
    actr_buf_t payload = ACTR_BUF_INIT;
    rc = ws_rx_finish(&c->rx, &pt, &payload);
    if (rc) {
        hub->stats.malformed++;
        actr_logf(ACTR_LOG_DEBUG, WS_LOG, "dropped a malformed frame: %s", actr_strerror(rc));
        return;
    }
    hub->stats.frames_in++;
    hub->stats.bytes_in += payload.len;
    ws_conn_deliver(c, pt, payload);
}

/* ---- lws callbacks ---- */

/* Detaches wsi from its conn (lws will not call back with it) and returns the conn, if any. */
static ws_conn_t *detach(struct lws *wsi)
{
    ws_conn_t *c = lws_get_opaque_user_data(wsi);
    /* Inside lws_client_connect_via_info() c->wsi is not assigned yet. */
    if (!c || (c->wsi != wsi && !(c->opening && !c->wsi)))
        return NULL;
    lws_set_opaque_user_data(wsi, NULL);
    c->wsi = NULL;
    if (c->opening)
        c->open_failed = true;
    return c;
}

/* The wsi of c is gone (closed, failed, destroyed). */
static void on_gone(ws_conn_t *c, const char *why)
{
    if (c->opening)
        return; /* attempt_open sees c->wsi == NULL */
    if (c->phase == WS_DEAD) {
        conn_unlink_free(c);
        return;
    }
    if (c->dir == ACTR_WS_DIALLED && !c->established) {
        actr_logf(ACTR_LOG_DEBUG, WS_LOG, "attempt %u to %s:%u failed: %s", c->attempt, c->host,
                  c->port, why);
        attempt_failed(c);
        return;
    }
    ws_conn_end(c, c->reason ? c->reason : ACTR_WS_REASON_PEER_CLOSED, 0); /* frees c */
}

static int on_accepted(actr_ws_hub_t *hub, struct lws *wsi)
{
    if (hub->destroying ||
        (hub->cfg.max_connections && hub->n_live >= hub->cfg.max_connections)) {
        actr_log(ACTR_LOG_INFO, WS_LOG, "inbound connection refused: connection limit");
        return -1;
    }
    ws_conn_t *c = conn_new(hub, ACTR_WS_ACCEPTED);
    if (!c)
        return -1;
    c->wsi = wsi;
    c->established = true;
    c->phase = WS_AUTH;
    lws_set_opaque_user_data(wsi, c);
    hub->stats.accepted++;
    ws_conn_pause(c, WS_PAUSE_AUTH, true);
    ws_auth_start(c);
    return 0;
}

static int on_client_established(ws_conn_t *c)
{
    if (c->phase != WS_DIALING)
        return -1;
    c->established = true;
    c->phase = WS_OPEN;
    c->hub->stats.connected++;
    if (c->q_head)
        lws_callback_on_writable(c->wsi);
    ws_emit(c->hub, c, ACTR_WS_CONNECTED);
    return 0;
}

static int append_headers(actr_ws_hub_t *hub, struct lws *wsi, void *in, size_t len)
{
    unsigned char **p = in, *end = *p + len;
    const char *vals[2] = {hub->source_hex, hub->credential_b64};
    const char *names[2] = {"X-Actr-Source-ID:", "X-Actr-Credential:"};
    for (int i = 0; i < 2; i++) {
        if (vals[i] &&
            lws_add_http_header_by_name(wsi, (const unsigned char *)names[i],
                                        (const unsigned char *)vals[i], (int)strlen(vals[i]), p,
                                        end))
            return -1;
    }
    return 0;
}

int ws_protocol_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    struct lws_context *ctx = lws_get_context(wsi);
    actr_ws_hub_t *hub = ctx ? lws_context_user(ctx) : NULL;
    ws_conn_t *c = lws_get_opaque_user_data(wsi);
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        return hub ? on_accepted(hub, wsi) : -1;
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return c && hub ? append_headers(hub, wsi, in, len) : 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        return c ? on_client_established(c) : -1;
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (c)
            on_receive(c, wsi, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return c ? on_writeable(c, wsi) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (c && !c->reason)
            c->reason = ACTR_WS_REASON_PEER_CLOSED;
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if ((c = detach(wsi)) != NULL)
            on_gone(c, in && reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR ? (const char *)in
                                                                             : "closed");
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return hub && !hub->destroying ? 0 : 1;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
