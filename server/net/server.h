/*
 * server.h - actrd's network side: one libwebsockets context on our libuv loop serving HTTP
 * (AIS, MFR keys, health, metrics) and the signaling WebSocket on one port.
 *
 * Files: http_server.c (context, protocol table, lifecycle), http_routes.c (HTTP routing and
 * replies), ws_signaling.c (upgrade authentication, per-socket state and send queues, the
 * signaling transport), health.c (health bodies), serve.c (the command, signals, shutdown).
 * Every callback runs on the loop thread.
 */
#ifndef ACTRD_NET_SERVER_H
#define ACTRD_NET_SERVER_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "backend.h"
#include "base/hashmap.h"
#include "net/config.h"
#include "net/metrics.h"
#include "net/ratelimit.h"
#include "signaling/signaling.h"

#define ACTRD_PEER_SIZE 64

typedef struct actrd_ws_conn actrd_ws_conn_t;
typedef struct actrd_http_req actrd_http_req_t;

typedef struct actrd_server {
    uv_loop_t *loop;
    const actrd_net_config_t *cfg;
    actrd_state_t *state;
    /* What upgrades and signaling verify with (the state side in actrd). */
    const actrd_sig_backend_t *backend;
    void *backend_self;
    actrd_sig_t *sig;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    int port;                 /* the bound port */
    actrd_iplimit_t *http_limit;
    actrd_iplimit_t *ws_limit;
    actrd_metrics_t metrics;
    /* Accepted upgrades waiting for ESTABLISHED, by wsi: lws has no per-session memory yet
     * when it asks us to confirm an upgrade. */
    actr_hmap_t *pending;
    actrd_ws_conn_t *conns;   /* upgraded sockets, newest first */
    size_t conn_count;
    lws_retry_bo_t idle_policy; /* lws keeps a pointer to it */
    bool stopping;            /* new upgrades are refused with 503 */
    bool lws_destroyed;
} actrd_server_t;

/* Per-socket data that lws allocates (zeroed) for every connection of our protocol. */
typedef struct actrd_pss {
    actrd_http_req_t *http; /* the HTTP transaction in progress */
    actrd_ws_conn_t *ws;    /* the signaling socket, from the accepted upgrade on */
} actrd_pss_t;

/*
 * Creates the limiters, the signaling service and the lws context on loop, listening on
 * cfg->listen_host:listen_port (srv->port gets the bound port). 0 or a negative code with err.
 */
int actrd_server_start(actrd_server_t *srv, uv_loop_t *loop, const actrd_net_config_t *cfg,
                       actrd_state_t *state, actr_error_t *err);

/* Once a second: signaling housekeeping, limiter sweeps, metrics sampling. */
void actrd_server_tick(actrd_server_t *srv, uint64_t now_ms);

/* Shutdown step 1: refuse new upgrades, close every socket with 1001. */
void actrd_server_drain(actrd_server_t *srv);

/* Shutdown step 2, from a loop callback: first lws_context_destroy (lws closes its handles). */
void actrd_server_stop(actrd_server_t *srv);

/* Shutdown step 3, after the loop ran dry: second destroy, signaling and limiters freed. */
void actrd_server_free(actrd_server_t *srv);

/* ---- shared between the files of the network side ---- */

/* The peer's address text for logs and rate limits ("?" when unknown). */
void actrd_peer_ip(struct lws *wsi, char out[ACTRD_PEER_SIZE]);

/*
 * Writes a complete small HTTP response now (status line, headers, body) - for refusing an
 * upgrade, where lws expects the answer before the callback returns. 0 or -1.
 */
int actrd_http_write_now(struct lws *wsi, int status, const char *content_type,
                         const char *body, uint32_t retry_after_secs);

/* HTTP reasons of the protocol callback (http_routes.c). */
int actrd_http_callback(actrd_server_t *srv, struct lws *wsi, enum lws_callback_reasons reason,
                        actrd_pss_t *pss, void *in, size_t len);

/* Frees the HTTP transaction of a connection lws is destroying (idempotent). */
void actrd_http_release(actrd_pss_t *pss);

/* WebSocket reasons of the protocol callback (ws_signaling.c). */
int actrd_ws_callback(actrd_server_t *srv, struct lws *wsi, enum lws_callback_reasons reason,
                      actrd_pss_t *pss, void *in, size_t len);

/* The transport table handed to the signaling service (self = srv). */
void actrd_ws_transport(actrd_server_t *srv, actrd_sig_transport_t *out);

/* Frees the socket state of a connection lws is destroying (idempotent; pss may be NULL). */
void actrd_ws_release(actrd_server_t *srv, struct lws *wsi, actrd_pss_t *pss);

/* Health bodies (JSON) for /health, /ais/health and /signaling/health. 0 or ACTR_ENOMEM. */
int actrd_health_body(const actrd_server_t *srv, const char *path, char **body, size_t *len);

#endif /* ACTRD_NET_SERVER_H */
