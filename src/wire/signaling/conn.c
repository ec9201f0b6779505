/*
 * conn.c - the libwebsockets side: a client-only lws context on the creator's libuv loop
 * (design/LOOP-NOTES.md), one lws client connection per attempt, message reassembly, and the
 * bounded send queue drained one message per WRITEABLE callback.
 *
 * Send queue full policy: a send that would exceed max_queue_frames or max_queue_bytes is
 * refused with ACTR_EAGAIN and nothing is queued; what is queued is never dropped to make room.
 * A frame that waits longer than send_timeout_ms means the socket is stuck: keepalive.c then
 * declares the connection lost (SEND_TIMEOUT). Frames still queued when a connection ends are
 * dropped: envelopes are bound to the connection (replies are correlated on it) and callers of
 * requests learn it through ACTR_ECLOSED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "wire/lws_track.h"
#include "wire/signaling/sigc_internal.h"

#define SIGC_PROTOCOL_NAME "actr-signaling-client"
#define SIGC_CLOSE_ACK_SECS 3      /* how long our close frame waits for the server's */
#define SIGC_RX_KEEP_BYTES 65536   /* larger reassembly buffers are freed after use */
/* LWS_WRITE_CLOSE is private in 4.1.6; lws_close_reason() + return -1 loses the frame there. */
#define SIGC_WRITE_CLOSE ((enum lws_write_protocol)4)

/* ---- the context ---- */

static int proto_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

static const struct lws_protocols sigc_protocols[] = {
    {SIGC_PROTOCOL_NAME, proto_cb, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}, /* 4.1.6 has no LWS_PROTOCOL_LIST_TERM */
};

int sigc_lws_create(actr_sigc_t *c, actr_error_t *err)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBUV;
    if (!strcmp(c->url.scheme, "wss"))
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = sigc_protocols;
    info.user = c;
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    /* lws's own handshake timeouts stay behind ours (connect_timeout_ms per attempt). */
    info.timeout_secs = c->cfg.connect_timeout_ms / 1000 + 2;
    /* The handles lws adds now are the ones its destroy waits for (wire/lws_track.h). */
    int rc = actr_lws_create_tracked(c->loop, &info, c->lws_handles, SIGC_MAX_LWS_HANDLES,
                                     &c->lws_handle_count, &c->lws, err);
    if (rc && c->lws) {
        lws_context_destroy(c->lws); /* nothing ran yet: no handle is open that needs a loop */
        lws_context_destroy(c->lws);
        c->lws = NULL;
    }
    return rc;
}

void sigc_lws_shutdown(actr_sigc_t *c)
{
    if (c->lws)
        lws_context_destroy(c->lws); /* closes every socket; WSI_DESTROY callbacks follow */
}

bool sigc_lws_handles_closed(actr_sigc_t *c)
{
    return actr_lws_handles_closed(c->loop, c->lws_handles, c->lws_handle_count);
}

void sigc_lws_free(actr_sigc_t *c)
{
    if (c->lws)
        lws_context_destroy(c->lws); /* the second call frees what the first left (4.1.6) */
    c->lws = NULL;
}

/* ---- one connection ---- */

static void conn_unlink_free(sigc_conn_t *conn)
{
    actr_sigc_t *c = conn->owner;
    for (sigc_conn_t **p = &c->conns; *p; p = &(*p)->next) {
        if (*p == conn) {
            *p = conn->next;
            break;
        }
    }
    free(conn->rx);
    free(conn);
}

/* Forgets conn as the current connection without touching its wsi (lws is closing it). */
static actr_sigc_t *conn_release(sigc_conn_t *conn)
{
    actr_sigc_t *c = conn->owner;
    if (!conn->attached)
        return NULL;
    conn->attached = false;
    if (c->conn == conn)
        c->conn = NULL;
    return c;
}

void sigc_conn_detach(actr_sigc_t *c, uint16_t close_code)
{
    sigc_conn_t *conn = c->conn;
    if (!conn)
        return;
    conn_release(conn);
    if (!conn->wsi)
        return;
    if (close_code && conn->established) {
        conn->close_pending = true;
        conn->close_code = close_code;
        lws_callback_on_writable(conn->wsi);
        lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, SIGC_CLOSE_ACK_SECS);
    } else {
        lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
}

static void host_header(const actr_sigc_t *c, char *buf, size_t size)
{
    const char *open = c->url.ipv6 ? "[" : "", *close = c->url.ipv6 ? "]" : "";
    if (c->url.has_port)
        snprintf(buf, size, "%s%s%s:%u", open, c->url.host, close, c->url.port);
    else
        snprintf(buf, size, "%s%s%s", open, c->url.host, close);
}

int sigc_conn_open(actr_sigc_t *c, actr_error_t *err)
{
    sigc_conn_t *conn = calloc(1, sizeof *conn);
    char *path = NULL;
    char host[300];
    if (!conn || sigc_upgrade_path(c, &path) != 0) {
        free(conn);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    host_header(c, host, sizeof host);
    conn->owner = c;
    conn->next = c->conns;
    c->conns = conn;
    conn->attached = true;
    conn->opening = true;
    c->conn = conn;

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = c->lws;
    ci.address = c->url.host;
    ci.port = c->url.port;
    ci.ssl_connection = !strcmp(c->url.scheme, "wss") ? LCCSCF_USE_SSL : 0;
    ci.path = path;
    ci.host = host;
    ci.local_protocol_name = SIGC_PROTOCOL_NAME;
    ci.opaque_user_data = conn;
    ci.pwsi = &conn->wsi;
    struct lws *wsi = lws_client_connect_via_info(&ci); /* lws copies path and host */
    free(path);
    conn->opening = false;

    /* lws may fail inside the call, with or without the error callback. */
    if (wsi && !conn->early_error && conn->wsi)
        return 0;
    actr_error_set(err, ACTR_EIO, ACTR_KIND_TRANSIENT, 0, "cannot connect to %s: %s", host,
                   conn->early_error ? conn->peer_close_reason : "lws refused the connection");
    conn_release(conn);
    if (conn->wsi)
        lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    else
        conn_unlink_free(conn);
    return ACTR_EIO;
}

/* ---- send queue ---- */

int sigc_queue_push(actr_sigc_t *c, sigc_frame_t *f)
{
    if (c->state != ACTR_SIGC_CONNECTED || !c->conn || !c->conn->wsi) {
        free(f);
        return ACTR_EUNAVAILABLE;
    }
    if (c->q_frames >= c->cfg.max_queue_frames ||
        c->q_bytes + f->len > c->cfg.max_queue_bytes) {
        free(f);
        c->stats.queue_full++;
        return ACTR_EAGAIN;
    }
    f->next = NULL;
    f->queued_ms = sigc_now_ms(c);
    if (c->q_tail)
        c->q_tail->next = f;
    else
        c->q_head = f;
    c->q_tail = f;
    c->q_frames++;
    c->q_bytes += f->len;
    lws_callback_on_writable(c->conn->wsi);
    return 0;
}

void sigc_queue_clear(actr_sigc_t *c)
{
    while (c->q_head) {
        sigc_frame_t *next = c->q_head->next;
        free(c->q_head);
        c->q_head = next;
    }
    c->q_tail = NULL;
    c->q_frames = 0;
    c->q_bytes = 0;
}

void sigc_conn_want_write(actr_sigc_t *c)
{
    if (c->conn && c->conn->wsi && c->conn->established)
        lws_callback_on_writable(c->conn->wsi);
}

/* ---- lws callbacks ---- */

static void on_connection_error(sigc_conn_t *conn, struct lws *wsi, const char *in)
{
    const char *text = in && *in ? in : "connection failed";
    unsigned int status = wsi ? lws_http_client_http_response(wsi) : 0;
    if (conn->opening) { /* inside lws_client_connect_via_info: sigc_conn_open reports it */
        conn->early_error = true;
        snprintf(conn->peer_close_reason, sizeof conn->peer_close_reason, "%s", text);
        return;
    }
    actr_sigc_t *c = conn_release(conn);
    if (!c)
        return;
    char host[300];
    host_header(c, host, sizeof host);
    actr_error_t err;
    if (status == 401 || status == 403)
        actr_error_set(&err, ACTR_EPERM, ACTR_KIND_CLIENT, status,
                       "signaling refused the upgrade: HTTP %u (%s)", status, text);
    else if (status >= 300)
        actr_error_set(&err, ACTR_EIO, ACTR_KIND_TRANSIENT, status,
                       "signaling refused the upgrade: HTTP %u (%s)", status, text);
    else
        actr_error_set(&err, ACTR_EIO, ACTR_KIND_TRANSIENT, 0, "cannot connect to %s: %s", host,
                       text);
    sigc_attempt_failed(c, err.code, &err);
}

static int on_established(sigc_conn_t *conn)
{
    if (!conn->attached)
        return -1; /* given up on (timeout, disconnect) while the upgrade completed */
    conn->established = true;
    sigc_attempt_succeeded(conn->owner);
    return 0;
}

static void deliver(actr_sigc_t *c, const uint8_t *data, size_t len)
{
    c->stats.frames_in++;
    sigc_on_message(c, data, len);
}

static int on_receive(sigc_conn_t *conn, struct lws *wsi, const uint8_t *in, size_t len)
{
    if (!conn->attached)
        return 0;
    actr_sigc_t *c = conn->owner;
    sigc_keepalive_on_rx(c);
    bool final = lws_is_final_fragment(wsi);
    if (lws_is_first_fragment(wsi)) {
        conn->rx_len = 0;
        conn->rx_binary = lws_frame_is_binary(wsi);
        conn->rx_skip = false;
    }
    if (!conn->rx_binary || conn->rx_skip) {
        if (final && !conn->rx_binary)
            c->stats.text_ignored++;
        return 0;
    }
    if (conn->rx_len + len > c->cfg.max_frame_bytes) {
        conn->rx_skip = true;
        c->stats.oversized++;
        actr_logf(ACTR_LOG_WARN, SIGC_LOG, "dropped an inbound message over %zu bytes",
                  c->cfg.max_frame_bytes);
        return 0;
    }
    if (final && conn->rx_len == 0) { /* the whole message in one piece: no copy */
        deliver(c, in, len);
        return 0;
    }
    if (conn->rx_len + len > conn->rx_cap) {
        size_t cap = conn->rx_cap ? conn->rx_cap : 4096;
        while (cap < conn->rx_len + len)
            cap *= 2;
        uint8_t *rx = realloc(conn->rx, cap);
        if (!rx) {
            conn->rx_skip = true;
            actr_log(ACTR_LOG_ERROR, SIGC_LOG, "out of memory reassembling a message");
            return 0;
        }
        conn->rx = rx;
        conn->rx_cap = cap;
    }
    memcpy(conn->rx + conn->rx_len, in, len);
    conn->rx_len += len;
    if (!final)
        return 0;
    size_t n = conn->rx_len;
    conn->rx_len = 0;
    deliver(c, conn->rx, n);
    /* deliver() may have ended the connection, but conn lives until WSI_DESTROY. */
    if (conn->rx_cap > SIGC_RX_KEEP_BYTES) {
        free(conn->rx);
        conn->rx = NULL;
        conn->rx_cap = 0;
    }
    return 0;
}

static int send_close(sigc_conn_t *conn, struct lws *wsi)
{
    if (conn->close_sent)
        return 0;
    unsigned char buf[LWS_PRE + 2];
    buf[LWS_PRE] = (unsigned char)(conn->close_code >> 8);
    buf[LWS_PRE + 1] = (unsigned char)(conn->close_code & 0xff);
    conn->close_sent = true;
    return lws_write(wsi, buf + LWS_PRE, 2, SIGC_WRITE_CLOSE) < 2 ? -1 : 0;
}

static int on_writeable(sigc_conn_t *conn, struct lws *wsi)
{
    if (conn->close_pending)
        return send_close(conn, wsi);
    if (!conn->attached)
        return -1;
    actr_sigc_t *c = conn->owner;
    int k = sigc_keepalive_write(c, wsi);
    if (k == 0 && c->q_head) {
        sigc_frame_t *f = c->q_head;
        c->q_head = f->next;
        if (!c->q_head)
            c->q_tail = NULL;
        c->q_frames--;
        c->q_bytes -= f->len;
        int n = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_BINARY);
        k = n < 0 || (size_t)n < f->len ? -1 : 1;
        free(f);
        if (k > 0)
            c->stats.frames_out++;
    }
    if (k < 0) {
        sigc_lost(c, ACTR_SIGC_REASON_SEND_FAILED, 0, "write to the signaling socket failed");
        return -1;
    }
    if (conn->attached && (c->q_head || c->ping_due || c->probe_due))
        lws_callback_on_writable(wsi);
    return 0;
}

static void on_peer_close(sigc_conn_t *conn, const uint8_t *in, size_t len)
{
    if (len < 2 || conn->close_pending)
        return;
    conn->peer_close_code = (uint16_t)(in[0] << 8 | in[1]);
    size_t n = len - 2 < SIGC_CLOSE_REASON_MAX ? len - 2 : SIGC_CLOSE_REASON_MAX;
    memcpy(conn->peer_close_reason, in + 2, n);
    conn->peer_close_reason[n] = '\0';
}

static void on_closed(sigc_conn_t *conn)
{
    if (conn->opening) {
        conn->early_error = true;
        snprintf(conn->peer_close_reason, sizeof conn->peer_close_reason, "closed at once");
        return;
    }
    bool established = conn->established;
    actr_sigc_t *c = conn_release(conn);
    if (!c)
        return;
    if (!established) { /* closed during the handshake */
        actr_error_t err;
        actr_error_set(&err, ACTR_EIO, ACTR_KIND_TRANSIENT, 0, "closed during the upgrade");
        sigc_attempt_failed(c, ACTR_EIO, &err);
        return;
    }
    char detail[sizeof conn->peer_close_reason + 64];
    uint16_t code = conn->peer_close_code;
    actr_sigc_reason_t reason = ACTR_SIGC_REASON_STREAM_ENDED;
    if (code) {
        snprintf(detail, sizeof detail, "closed by the server: %u %s", code,
                 conn->peer_close_reason);
        if (code == LWS_CLOSE_STATUS_POLICY_VIOLATION &&
            strstr(conn->peer_close_reason, "displaced"))
            reason = ACTR_SIGC_REASON_DISPLACED;
    } else {
        snprintf(detail, sizeof detail, "the connection ended");
    }
    sigc_lost(c, reason, code, detail);
}

static int proto_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    (void)user;
    sigc_conn_t *conn = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    if (!conn)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        on_connection_error(conn, wsi, in);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        return on_established(conn);
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(conn, wsi, in, len);
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        if (conn->attached) {
            sigc_keepalive_on_rx(conn->owner);
            sigc_keepalive_on_pong(conn->owner, in, len);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(conn, wsi);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        on_peer_close(conn, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        on_closed(conn);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        on_closed(conn); /* nothing left to do unless lws skipped CLOSED */
        conn->wsi = NULL;
        if (!conn->opening) /* else sigc_conn_open frees it */
            conn_unlink_free(conn);
        return 0;
    default:
        return 0;
    }
}
