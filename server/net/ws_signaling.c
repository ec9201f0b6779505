/*
 * ws_signaling.c - the signaling WebSocket: upgrade authentication (before the 101), one
 * actrd_ws_conn per socket, message reassembly with a size cap, a bounded send queue drained
 * one frame per WRITEABLE callback, and the transport the signaling module talks through.
 *
 * A close requested by anyone (signaling: 1008 displaced, 1013 queue full; us: 1001 shutdown,
 * 1009 too big) drops what is still queued and sends the close frame from the next WRITEABLE:
 * lws only sends a close reason from inside a callback of that socket.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actr/log.h"
#include "base/clock.h"
#include "net/server.h"
#include "net/ws_auth.h"

#define SIGNALING_PATH "/signaling/ws"
#define CLOSE_REASON_MAX 123 /* RFC 6455: a close payload is at most 125 bytes */
#define RX_KEEP_BYTES 16384  /* larger reassembly buffers are freed after use */
#define CLOSE_ACK_SECS 3     /* how long a closed socket waits for the peer's close frame */
#define LWS_WRITE_CLOSE_FRAME ((enum lws_write_protocol)4) /* LWS_WRITE_CLOSE, private in 4.1.6 */

typedef struct ws_msg {
    struct ws_msg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes of headroom, then the payload */
} ws_msg_t;

struct actrd_ws_conn {
    actrd_server_t *srv;
    struct lws *wsi;
    actrd_sig_conn_t *sig;
    actrd_ws_conn_t *prev, *next; /* srv->conns once established */
    bool linked;
    ws_msg_t *head, *tail;
    uint32_t q_frames;
    size_t q_bytes;
    uint8_t *rx; /* reassembly of a fragmented binary message */
    size_t rx_len, rx_cap;
    size_t msg_len; /* bytes of the current message so far (binary or text) */
    bool msg_text;
    bool closing;
    bool closed_by_sig; /* signaling asked (displaced, queue full): it still sees the frames */
    bool close_sent;    /* our close frame is out: the peer's answer ends the socket */
    int close_code;
    char close_reason[CLOSE_REASON_MAX + 1];
    char peer[ACTRD_PEER_SIZE];
    actr_id_t id;
    char actor_id[ACTR_ID_STR_SIZE];
    bool prefer_answer;
    uint64_t expires_at;
};

static void queue_clear(actrd_ws_conn_t *c)
{
    for (ws_msg_t *m = c->head, *next; m; m = next) {
        next = m->next;
        free(m);
    }
    c->head = c->tail = NULL;
    c->q_frames = 0;
    c->q_bytes = 0;
}

static actrd_close_kind_t close_kind(int code)
{
    switch (code) {
    case LWS_CLOSE_STATUS_GOINGAWAY: return ACTRD_CLOSE_GOING_AWAY;
    case LWS_CLOSE_STATUS_POLICY_VIOLATION: return ACTRD_CLOSE_DISPLACED;
    case LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE: return ACTRD_CLOSE_TOO_BIG;
    case LWS_CLOSE_STATUS_UNEXPECTED_CONDITION: return ACTRD_CLOSE_INTERNAL;
    case 1013: return ACTRD_CLOSE_OVERLOADED;
    default: return ACTRD_CLOSE_OTHER;
    }
}

/* Asks for a close; the frame goes out from the socket's next WRITEABLE. */
static void conn_close(actrd_ws_conn_t *c, int code, const char *reason)
{
    if (c->closing)
        return;
    c->closing = true;
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason ? reason : "");
    queue_clear(c);
    c->srv->metrics.ws_closes[close_kind(code)]++;
    char code_text[16];
    snprintf(code_text, sizeof code_text, "%d", code);
    actr_log(code == LWS_CLOSE_STATUS_GOINGAWAY ? ACTR_LOG_DEBUG : ACTR_LOG_INFO, "net",
             "closing signaling socket", ACTR_KV("peer", c->peer),
             ACTR_KV("actor_id", c->actor_id), ACTR_KV("code", code_text),
             ACTR_KV("reason", c->close_reason));
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

/* ---- transport for the signaling module ---- */

static int tp_send(void *self, void *net_conn, const uint8_t *data, size_t len)
{
    actrd_server_t *srv = self;
    actrd_ws_conn_t *c = net_conn;
    if (c->closing || !c->wsi)
        return ACTR_ECLOSED;
    if (c->q_frames >= srv->cfg->send_queue_frames ||
        c->q_bytes + len > srv->cfg->send_queue_bytes) {
        srv->metrics.ws_queue_full++;
        return ACTR_EAGAIN;
    }
    ws_msg_t *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m)
        return ACTR_ENOMEM;
    m->next = NULL;
    m->len = len;
    if (len)
        memcpy(m->buf + LWS_PRE, data, len);
    if (c->tail)
        c->tail->next = m;
    else
        c->head = m;
    c->tail = m;
    c->q_frames++;
    c->q_bytes += len;
    lws_callback_on_writable(c->wsi);
    return 0;
}

static void tp_close(void *self, void *net_conn, int code, const char *reason)
{
    (void)self;
    actrd_ws_conn_t *c = net_conn;
    if (!c->closing)
        c->closed_by_sig = true;
    conn_close(c, code, reason);
}

void actrd_ws_transport(actrd_server_t *srv, actrd_sig_transport_t *out)
{
    out->self = srv;
    out->send = tp_send;
    out->close = tp_close;
}

/* ---- upgrade ---- */

static const char *lws_query_get(void *ctx, const char *name, char *buf, size_t cap)
{
    char key[32];
    int n = snprintf(key, sizeof key, "%s=", name); /* lws matches a prefix: add the '=' */
    if (n <= 0 || (size_t)n >= sizeof key || cap > INT32_MAX)
        return NULL;
    /* lws copies each "name=value" argument already percent-decoded. */
    const char *v = lws_get_urlarg_by_name(ctx, key, buf, (int)cap);
    if (!v)
        return NULL;
    memmove(buf, v, strlen(v) + 1);
    /* A value that filled the buffer may have been cut short: refuse it. */
    return strlen(buf) + (size_t)n + 1 >= cap ? NULL : buf;
}

static int refuse(actrd_server_t *srv, struct lws *wsi, actrd_refusal_t why, int status,
                  const char *peer, const char *detail, uint32_t retry_after)
{
    static const char *const names[ACTRD_REFUSE_COUNT] = {
        "not found", "bad query", "bad credential", "expired credential", "actor mismatch",
        "rate limited", "unavailable"};
    srv->metrics.ws_refused[why]++;
    actrd_metrics_http(&srv->metrics, ACTRD_ROUTE_SIGNALING_WS, status);
    actr_log(ACTR_LOG_INFO, "net", "signaling upgrade refused", ACTR_KV("peer", peer),
             ACTR_KV("why", names[why]), ACTR_KV("detail", detail));
    char body[160];
    snprintf(body, sizeof body, "{\"error\":\"%s\"}", names[why]);
    return actrd_http_write_now(wsi, status, "application/json", body, retry_after) ? -1 : 1;
}

static int confirm_upgrade(actrd_server_t *srv, struct lws *wsi)
{
    char peer[ACTRD_PEER_SIZE];
    actrd_peer_ip(wsi, peer);
    char path[256];
    if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) <= 0 ||
        strcmp(path, SIGNALING_PATH) != 0)
        return refuse(srv, wsi, ACTRD_REFUSE_NOT_FOUND, 404, peer, "upgrade on another path", 0);
    if (srv->stopping)
        return refuse(srv, wsi, ACTRD_REFUSE_UNAVAILABLE, 503, peer, "shutting down", 0);

    actrd_ws_query_t *q = malloc(sizeof *q);
    if (!q)
        return -1;
    actr_error_t err;
    actr_error_clear(&err);
    uint64_t expires_at = 0;
    actrd_refusal_t why = ACTRD_REFUSE_BAD_QUERY;
    int rc = actrd_ws_query_parse(lws_query_get, wsi, q, &err);
    if (!rc)
        rc = actrd_ws_query_verify(srv->backend, srv->backend_self, q, &expires_at, &why, &err);
    if (rc) {
        free(q);
        return refuse(srv, wsi, why, 401, peer, err.message, 0);
    }
    uint64_t retry_ms = 0;
    if (actrd_iplimit_take(srv->ws_limit, peer, actr_clock_mono_ms(), &retry_ms)) {
        free(q);
        return refuse(srv, wsi, ACTRD_REFUSE_RATE_LIMITED, 429, peer, "per-IP connection rate",
                      actrd_retry_after_secs(retry_ms));
    }
    actrd_ws_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        free(q);
        return -1;
    }
    c->srv = srv;
    c->id = q->id;
    memcpy(c->actor_id, q->actor_id, sizeof c->actor_id);
    c->prefer_answer = q->prefer_answer;
    c->expires_at = expires_at;
    memcpy(c->peer, peer, sizeof c->peer);
    free(q);
    actrd_ws_release(srv, wsi, NULL); /* a stale one from an earlier attempt on this wsi */
    if (actr_hmap_put_u64(srv->pending, (uintptr_t)wsi, c, NULL)) {
        free(c);
        return -1;
    }
    return 0;
}

static void conn_link(actrd_server_t *srv, actrd_ws_conn_t *c)
{
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    c->linked = true;
    srv->conn_count++;
    srv->metrics.ws_open++;
}

static void conn_unlink(actrd_server_t *srv, actrd_ws_conn_t *c)
{
    if (!c->linked)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->linked = false;
    srv->conn_count--;
    srv->metrics.ws_open--;
}

static void conn_free(actrd_server_t *srv, actrd_ws_conn_t *c)
{
    conn_unlink(srv, c);
    queue_clear(c);
    free(c->rx);
    free(c);
}

static int established(actrd_server_t *srv, struct lws *wsi, actrd_pss_t *pss)
{
    void *found = NULL;
    if (!pss || actr_hmap_remove_u64(srv->pending, (uintptr_t)wsi, &found))
        return -1; /* no accepted upgrade behind it: cannot happen, refuse anyway */
    actrd_ws_conn_t *c = found;
    pss->ws = c;
    c->wsi = wsi;
    conn_link(srv, c);
    srv->metrics.ws_accepted++;
    int rc = actrd_sig_connect(srv->sig, c, &c->id, c->prefer_answer ? "answer" : NULL,
                               c->expires_at, &c->sig);
    if (rc) {
        c->sig = NULL;
        srv->metrics.ws_refused[ACTRD_REFUSE_UNAVAILABLE]++;
        conn_close(c, rc == ACTR_EAGAIN ? 1013 : LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
                   rc == ACTR_EAGAIN ? "connection limit reached" : "internal error");
        return 0;
    }
    actr_log(ACTR_LOG_INFO, "net", "signaling connected", ACTR_KV("peer", c->peer),
             ACTR_KV("actor_id", c->actor_id),
             ACTR_KV("webrtc_role", c->prefer_answer ? "answer" : ""));
    return 0;
}

/* ---- frames ---- */

static void deliver(actrd_server_t *srv, actrd_ws_conn_t *c, const uint8_t *data, size_t len)
{
    srv->metrics.ws_frames_in_binary++;
    srv->metrics.ws_bytes_in += len;
    /*
     * Once we close a socket (shutdown) its messages go nowhere. A socket signaling closed
     * (e.g. displaced) still reports to it, which drops and counts them (frames_after_close).
     */
    if (!c->sig || (c->closing && !c->closed_by_sig))
        return;
    actrd_sig_frame(srv->sig, c->sig, data, len);
}

static int rx_append(actrd_ws_conn_t *c, const void *in, size_t len)
{
    if (c->rx_len + len > c->rx_cap) {
        size_t cap = c->rx_cap ? c->rx_cap : 4096;
        while (cap < c->rx_len + len)
            cap *= 2;
        uint8_t *p = realloc(c->rx, cap);
        if (!p)
            return -1;
        c->rx = p;
        c->rx_cap = cap;
    }
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    return 0;
}

static int receive(actrd_server_t *srv, struct lws *wsi, actrd_ws_conn_t *c, const void *in,
                   size_t len)
{
    lws_validity_confirmed(wsi); /* the peer is alive: no idle Ping needed (http_server.c) */
    bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
    if (first) {
        c->msg_len = 0;
        c->rx_len = 0;
        c->msg_text = !lws_frame_is_binary(wsi);
    }
    c->msg_len += len;
    if (c->msg_len > srv->cfg->max_frame_bytes) {
        conn_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too big");
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         (unsigned char *)c->close_reason, strlen(c->close_reason));
        return -1;
    }
    if (c->msg_text) { /* ignored, as actrix does; only the size cap applies */
        if (final) {
            srv->metrics.ws_frames_in_text++;
            srv->metrics.ws_bytes_in += c->msg_len;
        }
        return 0;
    }
    if (first && final) { /* the common case: no copy */
        deliver(srv, c, in, len);
        return 0;
    }
    if (rx_append(c, in, len)) {
        conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        return 0;
    }
    if (final) {
        deliver(srv, c, c->rx, c->rx_len);
        c->rx_len = 0;
        if (c->rx_cap > RX_KEEP_BYTES) {
            free(c->rx);
            c->rx = NULL;
            c->rx_cap = 0;
        }
    }
    return 0;
}

/*
 * Sends our close frame and waits for the peer's (CLOSE_ACK_SECS at most). lws's own way,
 * lws_close_reason() and `return -1` from WRITEABLE, loses the frame on lws 4.1.6 with libuv:
 * Debian's _DEBUG build closes a second time at once ("uv repeat test") and just kills the
 * socket. A close frame is written like data (opcode 8, the value lws keeps out of its header).
 */
static int send_close(struct lws *wsi, actrd_ws_conn_t *c)
{
    unsigned char buf[LWS_PRE + 2 + CLOSE_REASON_MAX];
    size_t n = strlen(c->close_reason);
    buf[LWS_PRE] = (unsigned char)(c->close_code >> 8);
    buf[LWS_PRE + 1] = (unsigned char)(c->close_code & 0xff);
    memcpy(buf + LWS_PRE + 2, c->close_reason, n);
    c->close_sent = true;
    if (lws_write(wsi, buf + LWS_PRE, n + 2, LWS_WRITE_CLOSE_FRAME) < (int)(n + 2))
        return -1;
    lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_ACK_SECS);
    return 0;
}

static int writeable(actrd_server_t *srv, struct lws *wsi, actrd_ws_conn_t *c)
{
    if (c->closing)
        return c->close_sent ? 0 : send_close(wsi, c);
    ws_msg_t *m = c->head;
    if (!m)
        return 0;
    c->head = m->next;
    if (!c->head)
        c->tail = NULL;
    c->q_frames--;
    c->q_bytes -= m->len;
    int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_BINARY);
    size_t len = m->len;
    free(m);
    if (n < 0 || (size_t)n < len)
        return -1;
    srv->metrics.ws_frames_out++;
    srv->metrics.ws_bytes_out += len;
    if (c->head)
        lws_callback_on_writable(wsi);
    return 0;
}

void actrd_ws_release(actrd_server_t *srv, struct lws *wsi, actrd_pss_t *pss)
{
    void *pending = NULL;
    if (srv->pending && actr_hmap_remove_u64(srv->pending, (uintptr_t)wsi, &pending) == 0)
        conn_free(srv, pending); /* accepted, but the handshake never completed */
    actrd_ws_conn_t *c = pss ? pss->ws : NULL;
    if (!c)
        return;
    pss->ws = NULL;
    if (c->sig) {
        actrd_sig_disconnect(srv->sig, c->sig);
        c->sig = NULL;
    }
    if (c->linked)
        actr_log(ACTR_LOG_INFO, "net", "signaling disconnected", ACTR_KV("peer", c->peer),
                 ACTR_KV("actor_id", c->actor_id));
    conn_free(srv, c);
}

void actrd_server_drain(actrd_server_t *srv)
{
    srv->stopping = true;
    for (actrd_ws_conn_t *c = srv->conns; c; c = c->next)
        conn_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
}

int actrd_ws_callback(actrd_server_t *srv, struct lws *wsi, enum lws_callback_reasons reason,
                      actrd_pss_t *pss, void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        if (!in || strcasecmp(in, "websocket") != 0)
            return actrd_http_write_now(wsi, 400, "text/plain", "bad upgrade\n", 0) ? -1 : 1;
        return confirm_upgrade(srv, wsi);
    case LWS_CALLBACK_ESTABLISHED:
        return established(srv, wsi, pss);
    case LWS_CALLBACK_RECEIVE:
        return pss && pss->ws ? receive(srv, wsi, pss->ws, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return pss && pss->ws ? writeable(srv, wsi, pss->ws) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        /* The answer to our close: finish without echoing it. Else lws echoes and closes. */
        return pss && pss->ws && pss->ws->close_sent ? -1 : 0;
    case LWS_CALLBACK_CLOSED:
        actrd_ws_release(srv, wsi, pss);
        return 0;
    default:
        return 0;
    }
}
