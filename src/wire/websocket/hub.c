/*
 * hub.c - the direct WebSocket hub's lifetime: one lws context on the node's libuv loop
 * (design/LOOP-NOTES.md) that listens (optionally) and dials, the staged destroy (lws 4.1.6 needs
 * two context destroys with the loop running in between), the identity dials present, events and
 * counters. See ws.h and docs/WEBSOCKET.md.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actr/log.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/hex.h"
#include "codec/pb.h"
#include "platform/ais/id_pb.h"
#include "wire/lws_track.h"
#include "wire/websocket/ws_internal.h"

#define WS_PROTOCOL_NAME "actr-direct-ws"
#define WS_TICK_MS 50          /* retry waits are checked this often */
#define WS_DESTROY_POLL_MS 1   /* how often destroy checks whether lws's handles are closed */
#define WS_RX_BUFFER 65536     /* lws's per-socket read size; larger messages come in pieces */

static const struct lws_protocols ws_protocols[] = {
    {WS_PROTOCOL_NAME, ws_protocol_cb, 0, WS_RX_BUFFER, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}, /* 4.1.6 has no LWS_PROTOCOL_LIST_TERM */
};

void actr_ws_config_init(actr_ws_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_message_bytes = (size_t)16 << 20;
    cfg->max_queue_frames = 1024;
    cfg->max_queue_bytes = (size_t)32 << 20;
    cfg->max_connections = 1024;
    cfg->connect_timeout_ms = 10000;
    cfg->connect_attempts = 3;
    cfg->retry_initial_ms = 2000;
    cfg->auth_timeout_ms = 5000;
    cfg->idle_secs = 60;
    cfg->stream_depth = 64;
    cfg->stream_hold_bytes = (size_t)1 << 20;
}

/* ---- events ---- */

void ws_emit(actr_ws_hub_t *hub, ws_conn_t *c, actr_ws_state_t state)
{
    if (state != ACTR_WS_DISCONNECTED)
        c->announced = true;
    if (hub->destroying || !hub->cb.on_state)
        return;
    actr_ws_event_t ev = {
        .conn = c->id,
        .dir = c->dir,
        .state = state,
        .reason = state == ACTR_WS_DISCONNECTED ? c->reason : ACTR_WS_REASON_NONE,
        .peer = c->has_peer ? &c->peer : NULL,
        .attempt = c->dir == ACTR_WS_DIALLED && state == ACTR_WS_CONNECTING ? c->attempt : 0,
    };
    hub->cb.on_state(hub, &ev, hub->cb.userdata);
}

static void tick_cb(uv_timer_t *t)
{
    actr_ws_hub_t *hub = t->data;
    if (!ws_conns_tick(hub, actr_clock_mono_ms())) {
        uv_timer_stop(&hub->t_tick);
        hub->tick_on = false;
    }
}

void ws_tick_want(actr_ws_hub_t *hub, bool now)
{
    if ((hub->tick_on && !now) || hub->destroying)
        return;
    hub->tick_on = true;
    uv_timer_start(&hub->t_tick, tick_cb, now ? 0 : WS_TICK_MS, WS_TICK_MS);
}

/* ---- identity ---- */

static int identity_encode(const actr_ws_identity_t *ident, char **source_hex, char **cred_b64)
{
    *source_hex = NULL;
    *cred_b64 = NULL;
    if (!ident->id.type.manufacturer[0])
        return 0; /* no identity: dials send no headers (the listener will drop them) */
    actr_id_pb_t pid;
    actr_id_pb_init(&pid, &ident->id);
    uint8_t *bytes = NULL;
    size_t n = 0;
    int rc = actr_pb_encode(&pid.id.base, &bytes, &n, NULL);
    if (rc)
        return rc;
    *source_hex = malloc(2 * n + 1);
    if (*source_hex)
        actr_hex_encode(bytes, n, *source_hex);
    free(bytes);
    if (!*source_hex)
        return ACTR_ENOMEM;
    if (!ident->claims_len)
        return 0;
    Actr__AIdCredential cred = ACTR__AID_CREDENTIAL__INIT;
    cred.key_id = ident->key_id;
    cred.claims.data = (uint8_t *)ident->claims;
    cred.claims.len = ident->claims_len;
    cred.signature.data = (uint8_t *)ident->signature;
    cred.signature.len = ident->signature_len;
    rc = actr_pb_encode(&cred.base, &bytes, &n, NULL);
    if (rc)
        return rc;
    *cred_b64 = malloc(actr_base64_encoded_len(n, ACTR_B64_STD) + 1);
    if (*cred_b64)
        actr_base64_encode(bytes, n, *cred_b64, ACTR_B64_STD);
    free(bytes);
    return *cred_b64 ? 0 : ACTR_ENOMEM;
}

int actr_ws_hub_set_identity(actr_ws_hub_t *hub, const actr_ws_identity_t *identity)
{
    if (!hub || !identity || hub->destroying)
        return ACTR_EINVAL;
    if ((identity->claims_len && !identity->claims) ||
        (identity->signature_len && !identity->signature))
        return ACTR_EINVAL;
    char *hex, *b64;
    int rc = identity_encode(identity, &hex, &b64);
    if (rc) {
        free(hex);
        free(b64);
        return rc;
    }
    free(hub->source_hex);
    free(hub->credential_b64);
    hub->source_hex = hex;
    hub->credential_b64 = b64;
    return 0;
}

/* ---- the lws context ---- */

/* Whether every uv handle lws made with the context is closed (the second destroy is safe). */
static bool lws_handles_closed(actr_ws_hub_t *hub)
{
    return actr_lws_handles_closed(hub->loop, hub->lws_handles, hub->lws_handle_count);
}

/* lws 4.1.6 returns a context without its vhost when the bind fails, and destroying that leaves
 * libuv handles pointing into freed memory: try the bind first. */
static int probe_bind(const char *host, uint16_t port, actr_error_t *err)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "cannot listen on %s:%u: %s", host, port, gai_strerror(gai));
    int rc = 0, one = 1, fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, res->ai_addr, res->ai_addrlen))
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0, "cannot listen on %s:%u: %s",
                            host, port, strerror(errno));
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return rc;
}

static lws_retry_bo_t idle_policy_of(const actr_ws_config_t *cfg)
{
    lws_retry_bo_t p;
    memset(&p, 0, sizeof p);
    p.secs_since_valid_ping = (uint16_t)(cfg->idle_secs / 2);
    p.secs_since_valid_hangup = (uint16_t)cfg->idle_secs;
    return p;
}

static int lws_create(actr_ws_hub_t *hub, actr_error_t *err)
{
    if (hub->listen_host && probe_bind(hub->listen_host, hub->cfg.listen_port, err) != 0)
        return err ? err->code : ACTR_EIO;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBUV;
    if (hub->listen_host) {
        info.options |= LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
        info.port = hub->cfg.listen_port;
        info.iface = hub->listen_host;
    } else {
        info.port = CONTEXT_PORT_NO_LISTEN;
    }
    info.protocols = ws_protocols;
    info.user = hub;
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    info.server_string = "actr";
    info.max_http_header_data = 8192; /* the credential header is a few hundred bytes */
    info.timeout_secs = hub->cfg.connect_timeout_ms / 1000 ? hub->cfg.connect_timeout_ms / 1000 : 1;
    if (hub->cfg.idle_secs) { /* lws keeps the pointer: the policy lives in the hub */
        hub->idle_policy = idle_policy_of(&hub->cfg);
        info.retry_and_idle_policy = &hub->idle_policy;
    }
    int rc = actr_lws_create_tracked(hub->loop, &info, hub->lws_handles, WS_MAX_LWS_HANDLES,
                                     &hub->lws_handle_count, &hub->lws, err);
    if (!rc && hub->listen_host) {
        hub->vhost = lws_get_vhost_by_name(hub->lws, "default");
        int port = hub->vhost ? lws_get_vhost_listen_port(hub->vhost) : 0;
        if (port <= 0 || port > 65535)
            rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_CLIENT, 0, "cannot listen on %s:%u",
                                hub->listen_host, hub->cfg.listen_port);
        else
            hub->port = (uint16_t)port;
    }
    return rc;
}

/* lws's lines go into our log: errors and warnings as such, its notices at debug, the rest at
 * trace (the setting is process-wide in lws; actrd maps it the same way). */
static void lws_log_emit(int level, const char *line)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", line);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    actr_log_level_t l = level & LLL_ERR      ? ACTR_LOG_ERROR
                         : level & LLL_WARN   ? ACTR_LOG_WARN
                         : level & LLL_NOTICE ? ACTR_LOG_DEBUG
                                              : ACTR_LOG_TRACE;
    actr_log(l, "lws", buf);
}

static void lws_log_route(void)
{
    int levels = LLL_ERR | LLL_WARN;
    if (actr_log_enabled(ACTR_LOG_DEBUG))
        levels |= LLL_NOTICE;
    lws_set_log_level(levels, lws_log_emit);
}

/* ---- lifetime ---- */

static void hub_free(actr_ws_hub_t *hub)
{
    ws_conns_free_all(hub);
    ws_streams_free(hub);
    actr_hmap_free(hub->by_id, NULL);
    free(hub->listen_host);
    free(hub->advertised_host);
    free(hub->source_hex);
    free(hub->credential_b64);
    void (*done)(void *) = hub->destroy_done;
    void *arg = hub->destroy_arg;
    free(hub);
    if (done)
        done(arg);
}

static void final_close_cb(uv_handle_t *h)
{
    hub_free(h->data);
}

static void handle_closed_cb(uv_handle_t *h)
{
    actr_ws_hub_t *hub = h->data;
    hub->open_handles--;
}

static void destroy_step(actr_ws_hub_t *hub)
{
    if (!hub->lws_destroyed) {
        hub->lws_destroyed = true;
        if (hub->lws)
            lws_context_destroy(hub->lws); /* closes every socket: WSI_DESTROY callbacks */
        uv_close((uv_handle_t *)&hub->t_tick, handle_closed_cb);
        return;
    }
    if (hub->open_handles > 1 || !lws_handles_closed(hub))
        return;
    uv_timer_stop(&hub->t_defer);
    if (hub->lws)
        lws_context_destroy(hub->lws); /* the second call frees what the first left (4.1.6) */
    hub->lws = NULL;
    uv_close((uv_handle_t *)&hub->t_defer, final_close_cb);
}

static void defer_cb(uv_timer_t *t)
{
    destroy_step(t->data);
}

static int config_check(const actr_ws_config_t *cfg, actr_error_t *err)
{
    if (!cfg->max_message_bytes || cfg->max_message_bytes > UINT32_MAX)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "max_message_bytes must be 1..4294967295");
    if (!cfg->max_queue_frames || cfg->max_queue_bytes < 1024 || !cfg->connect_timeout_ms ||
        !cfg->connect_attempts || !cfg->auth_timeout_ms || !cfg->stream_depth ||
        !cfg->stream_hold_bytes)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "a queue bound, timeout or depth is 0");
    return 0;
}

int actr_ws_hub_new(uv_loop_t *loop, const actr_ws_config_t *cfg,
                    const actr_ws_callbacks_t *callbacks, actr_ws_hub_t **out, actr_error_t *err)
{
    if (!loop || !cfg || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "NULL argument");
    *out = NULL;
    int rc = config_check(cfg, err);
    if (rc)
        return rc;
    actr_ws_hub_t *hub = calloc(1, sizeof *hub);
    if (!hub)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    hub->loop = loop;
    hub->cfg = *cfg;
    if (callbacks)
        hub->cb = *callbacks;
    hub->next_id = 1;
    hub->listen_host = cfg->listen_host ? strdup(cfg->listen_host) : NULL;
    hub->advertised_host = strdup(cfg->advertised_host ? cfg->advertised_host : "127.0.0.1");
    memset(&hub->cfg.identity, 0, sizeof hub->cfg.identity); /* the copy is in the headers */
    hub->cfg.listen_host = hub->cfg.advertised_host = NULL;
    if ((cfg->listen_host && !hub->listen_host) || !hub->advertised_host ||
        actr_hmap_new(ACTR_HMAP_KEY_U64, 0, &hub->by_id) != 0 || ws_streams_new(hub) != 0)
        rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    else if (actr_ws_hub_set_identity(hub, &cfg->identity) != 0)
        rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "identity does not encode");
    if (!rc) {
        lws_log_route();
        rc = lws_create(hub, err);
    }
    if (rc) {
        /* Nothing ran on the loop yet: two destroys in a row are safe here. */
        if (hub->lws) {
            lws_context_destroy(hub->lws);
            lws_context_destroy(hub->lws);
        }
        hub->lws = NULL;
        hub_free(hub);
        return rc;
    }
    uv_timer_init(loop, &hub->t_tick);
    uv_timer_init(loop, &hub->t_defer);
    hub->t_tick.data = hub->t_defer.data = hub;
    hub->open_handles = 2;
    if (hub->listen_host)
        actr_logf(ACTR_LOG_INFO, WS_LOG, "listening on %s:%u", hub->listen_host, hub->port);
    *out = hub;
    return 0;
}

void actr_ws_hub_destroy(actr_ws_hub_t *hub, void (*done)(void *arg), void *arg)
{
    if (!hub || hub->destroying)
        return;
    hub->destroying = true; /* from here on: no events, the API refuses */
    hub->destroy_done = done;
    hub->destroy_arg = arg;
    for (ws_conn_t *c = hub->conns, *next; c; c = next) {
        next = c->next; /* a conn without a wsi (waiting to retry) is freed right here */
        if (c->phase != WS_DEAD)
            ws_conn_end(c, ACTR_WS_REASON_CLOSED_LOCALLY, LWS_CLOSE_STATUS_GOINGAWAY);
    }
    uv_timer_stop(&hub->t_tick);
    hub->tick_on = false;
    uv_timer_start(&hub->t_defer, defer_cb, 0, WS_DESTROY_POLL_MS);
}

uint16_t actr_ws_hub_port(const actr_ws_hub_t *hub)
{
    return hub ? hub->port : 0;
}

int actr_ws_hub_address(const actr_ws_hub_t *hub, char *buf, size_t size)
{
    if (!hub || !buf || !hub->port)
        return ACTR_ESTATE;
    bool v6 = strchr(hub->advertised_host, ':') != NULL;
    int n = snprintf(buf, size, "ws://%s%s%s:%u", v6 ? "[" : "", hub->advertised_host,
                     v6 ? "]" : "", hub->port);
    return n < 0 || (size_t)n >= size ? ACTR_ERANGE : 0;
}

void actr_ws_stats(const actr_ws_hub_t *hub, actr_ws_stats_t *out)
{
    if (hub)
        *out = hub->stats;
    else
        memset(out, 0, sizeof *out);
}
