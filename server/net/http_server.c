/*
 * http_server.c - the libwebsockets context on our libuv loop (design/LOOP-NOTES.md): one
 * protocol, first in the table, so it gets both plain HTTP and the upgrade (clients name no
 * subprotocol); its callback hands HTTP reasons to http_routes.c and WebSocket reasons to
 * ws_signaling.c. Also the start/stop sequence and lws's log lines routed into ours.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actr/log.h"
#include "base/clock.h"
#include "net/server.h"

#define MAX_HEADER_DATA 8192 /* the upgrade query carries base64 claims and signature */
#define RX_BUFFER_BYTES 4096 /* per socket; messages larger than this are reassembled */


void actrd_peer_ip(struct lws *wsi, char out[ACTRD_PEER_SIZE])
{
    char buf[ACTRD_PEER_SIZE];
    if (!lws_get_peer_simple(wsi, buf, sizeof buf) || !buf[0]) {
        snprintf(out, ACTRD_PEER_SIZE, "?");
        return;
    }
    /* An IPv4 client on a dual-stack socket is the same client as on an IPv4 socket. */
    const char *s = strncmp(buf, "::ffff:", 7) == 0 && strchr(buf + 7, '.') ? buf + 7 : buf;
    snprintf(out, ACTRD_PEER_SIZE, "%s", s);
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

/*
 * Composed by hand: during an upgrade lws has not parsed the request's HTTP version yet, so its
 * header helpers would write "HTTP/1.0", which WebSocket clients reject as no valid response.
 */
int actrd_http_write_now(struct lws *wsi, int status, const char *content_type,
                         const char *body, uint32_t retry_after_secs)
{
    char retry[48] = "";
    if (retry_after_secs)
        snprintf(retry, sizeof retry, "retry-after: %u\r\n", retry_after_secs);
    unsigned char buf[LWS_PRE + 1024];
    char *text = (char *)buf + LWS_PRE;
    int n = snprintf(text, sizeof buf - LWS_PRE,
                     "HTTP/1.1 %d %s\r\nserver: actrd\r\ncontent-type: %s\r\n"
                     "content-length: %zu\r\ncache-control: no-store\r\n%s"
                     "connection: close\r\n\r\n%s",
                     status, reason_phrase(status), content_type, strlen(body), retry, body);
    if (n < 0 || (size_t)n >= sizeof buf - LWS_PRE)
        return -1;
    return lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_HEADERS) < n ? -1 : 0;
}

static int protocol_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    struct lws_context *ctx = lws_get_context(wsi);
    actrd_server_t *srv = ctx ? lws_context_user(ctx) : NULL;
    actrd_pss_t *pss = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return srv && pss ? actrd_http_callback(srv, wsi, reason, pss, in, len) : -1;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: /* pss is still NULL here */
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        return srv ? actrd_ws_callback(srv, wsi, reason, pss, in, len) : -1;
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_WSI_DESTROY:
        /* Whichever comes: an upgrade may fail after it was accepted, keep-alive ends. */
        if (srv) {
            actrd_http_release(pss);
            actrd_ws_release(srv, wsi, pss);
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"actrd", protocol_cb, sizeof(actrd_pss_t), RX_BUFFER_BYTES, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}, /* 4.1.6 has no LWS_PROTOCOL_LIST_TERM */
};

static void lws_log_emit(int level, const char *line)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", line);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    actr_log_level_t l = level & LLL_ERR    ? ACTR_LOG_ERROR
                         : level & LLL_WARN ? ACTR_LOG_WARN
                         : level & LLL_NOTICE ? ACTR_LOG_DEBUG
                                              : ACTR_LOG_TRACE;
    actr_log(l, "lws", buf);
}

static int limiters_new(actrd_server_t *srv, const actrd_net_config_t *cfg)
{
    int rc = actrd_iplimit_new(cfg->http_rate_per_sec, cfg->http_burst, cfg->ratelimit_max_ips,
                               &srv->http_limit);
    if (!rc)
        rc = actrd_iplimit_new(cfg->ws_connect_rate_per_sec, cfg->ws_connect_burst,
                               cfg->ratelimit_max_ips, &srv->ws_limit);
    return rc;
}

/*
 * Tries the bind before lws does: lws 4.1.6 returns a context without its vhost when the bind
 * fails, and destroying that context leaves libuv handles pointing into freed memory.
 */
static int probe_bind(const char *host, uint16_t port, actr_error_t *err)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "cannot listen on %s:%u: %s",
                              host, port, gai_strerror(gai));
    int rc = 0, fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, res->ai_addr, res->ai_addrlen))
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0, "cannot listen on %s:%u: %s",
                            host, port, strerror(errno));
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return rc;
}

int actrd_server_start(actrd_server_t *srv, uv_loop_t *loop, const actrd_net_config_t *cfg,
                       actrd_state_t *state, actr_error_t *err)
{
    srv->loop = loop;
    srv->cfg = cfg;
    srv->state = state;
    if (!srv->backend) { /* tests may bring their own */
        srv->backend = &actrd_sig_backend_state;
        srv->backend_self = state;
    }
    actrd_metrics_init(&srv->metrics, actr_clock_wall_s());
    int rc = limiters_new(srv, cfg);
    if (!rc)
        rc = actr_hmap_new(ACTR_HMAP_KEY_U64, 0, &srv->pending);
    if (rc)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "server tables: %s",
                              actr_strerror(rc));
    actrd_sig_transport_t tp;
    actrd_ws_transport(srv, &tp);
    actrd_sig_config_t sig_cfg;
    actrd_net_config_sig(cfg, &sig_cfg);
    rc = actrd_sig_new(srv->backend, srv->backend_self, &tp, &sig_cfg, &srv->sig);
    if (rc)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "signaling: %s",
                              actr_strerror(rc));

    /* lws's own notices at debug, its (very chatty) debug lines only at trace. */
    int lws_levels = LLL_ERR | LLL_WARN;
    actr_log_level_t level = actr_log_get_level(); /* serve applied the file, flags or ACTR_LOG */
    if (level <= ACTR_LOG_DEBUG)
        lws_levels |= LLL_NOTICE;
    if (level <= ACTR_LOG_TRACE)
        lws_levels |= LLL_INFO | LLL_DEBUG;
    lws_set_log_level(lws_levels, lws_log_emit);
    if ((rc = probe_bind(cfg->listen_host, cfg->listen_port, err)) != 0)
        return rc;
    void *foreign_loops[1] = {loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    info.foreign_loops = foreign_loops;
    info.port = cfg->listen_port;
    info.iface = cfg->listen_host;
    info.protocols = protocols;
    info.user = srv;
    info.server_string = "actrd";
    info.max_http_header_data = MAX_HEADER_DATA;
    info.timeout_secs = cfg->http_timeout_secs;
    info.keepalive_timeout = (int)cfg->http_timeout_secs;
    /*
     * A socket silent for half of ws_idle_secs gets a WebSocket Ping from lws; one still silent
     * after ws_idle_secs is dropped. Nodes ping every 5 s, so this only reaps peers that vanished
     * without a FIN, which would otherwise hold their slot until TCP gives up.
     */
    if (cfg->ws_idle_secs) {
        srv->idle_policy.secs_since_valid_ping = (uint16_t)(cfg->ws_idle_secs / 2);
        srv->idle_policy.secs_since_valid_hangup = (uint16_t)cfg->ws_idle_secs;
        info.retry_and_idle_policy = &srv->idle_policy;
    }
    srv->ctx = lws_create_context(&info);
    /* A failed bind still gives a context, only without its vhost: that is a failure too. */
    srv->vhost = srv->ctx ? lws_get_vhost_by_name(srv->ctx, "default") : NULL;
    srv->port = srv->vhost ? lws_get_vhost_listen_port(srv->vhost) : 0;
    if (srv->port <= 0)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0,
                              "cannot listen on %s:%u (see the lws error above)",
                              cfg->listen_host, cfg->listen_port);
    return 0;
}

void actrd_server_tick(actrd_server_t *srv, uint64_t now_ms)
{
    if (srv->sig) {
        actrd_sig_tick(srv->sig, now_ms);
        actrd_sig_stats_t stats;
        actrd_sig_stats(srv->sig, &stats);
        actrd_metrics_sample(&srv->metrics, stats.relays, now_ms);
    }
    actrd_iplimit_sweep(srv->http_limit, now_ms);
    actrd_iplimit_sweep(srv->ws_limit, now_ms);
}

void actrd_server_stop(actrd_server_t *srv)
{
    srv->stopping = true;
    if (srv->ctx && !srv->lws_destroyed) {
        srv->lws_destroyed = true;
        lws_context_destroy(srv->ctx); /* closes every socket: CLOSED callbacks run now */
    }
}

void actrd_server_free(actrd_server_t *srv)
{
    if (srv->ctx) {
        lws_context_destroy(srv->ctx); /* the second call frees what the first left (4.1.6) */
        srv->ctx = NULL;
    }
    if (srv->sig)
        actrd_sig_free(srv->sig);
    srv->sig = NULL;
    actr_hmap_free(srv->pending, free); /* conns never established hold nothing else */
    srv->pending = NULL;
    actrd_iplimit_free(srv->http_limit);
    actrd_iplimit_free(srv->ws_limit);
    srv->http_limit = srv->ws_limit = NULL;
}
