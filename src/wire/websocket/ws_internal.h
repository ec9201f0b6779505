/*
 * ws_internal.h - the hub's state, shared by its files:
 *
 *   hub.c     lifetime (create, staged destroy), the lws context and listener, identity, stats
 *   conn.c    connections: dial and retries, lws callbacks, receive, the bounded send queue
 *   auth.c    inbound credential verification after the upgrade (protocol.md 4.1, 8.8)
 *   stream.c  the stream registry: per-stream queues, held chunks, read pausing
 *   frame.c   framing and the DataChunk scanner (pure)
 */
#ifndef ACTR_WIRE_WEBSOCKET_WS_INTERNAL_H
#define ACTR_WIRE_WEBSOCKET_WS_INTERNAL_H

#include <libwebsockets.h>

#include "base/hashmap.h"
#include "wire/websocket/frame.h"
#include "wire/websocket/ws.h"

#define WS_LOG "ws"
#define WS_MAX_LWS_HANDLES 16 /* uv handles lws creates with its context */
#define WS_SOURCE_HEADER "x-actr-source-id:"
#define WS_CREDENTIAL_HEADER "x-actr-credential:"

/* A queued frame: LWS_PRE bytes of headroom, the 5-byte header, the data. */
typedef struct ws_frame {
    struct ws_frame *next;
    size_t len; /* header + data */
    unsigned char buf[];
} ws_frame_t;

/* A frame read before the peer was verified; delivered once it is. */
typedef struct ws_early {
    struct ws_early *next;
    uint8_t payload_type;
    actr_buf_t payload;
} ws_early_t;

typedef enum ws_phase {
    WS_DIALING = 0, /* dialled: an attempt is open */
    WS_RETRY_WAIT,  /* dialled: waiting for the next attempt */
    WS_AUTH,        /* accepted: upgraded, credential being checked */
    WS_OPEN,        /* CONNECTED */
    WS_DEAD,        /* DISCONNECTED reported; the struct waits for lws to let go of the wsi */
} ws_phase_t;

/* Reasons to stop reading a connection (lws_rx_flow_control). */
#define WS_PAUSE_AUTH 1u
#define WS_PAUSE_STREAMS 2u

typedef struct ws_conn {
    actr_ws_hub_t *hub;
    struct ws_conn *next; /* hub->conns: every conn that exists */
    actr_ws_conn_id_t id;
    struct lws *wsi;
    actr_ws_dir_t dir;
    ws_phase_t phase;
    bool announced;      /* CONNECTING or CONNECTED was reported: DISCONNECTED is owed */
    bool opening;        /* inside lws_client_connect_via_info() */
    bool open_failed;    /* ... and lws gave up on the wsi in there */
    bool established;    /* the WebSocket is up (either side) */
    bool close_pending, close_sent;
    uint16_t close_code;
    actr_ws_reason_t reason; /* what ended it, when known before the wsi goes */
    bool has_peer;
    actr_id_t peer;

    /* dialled */
    char *host, *path;
    uint16_t port;
    uint32_t attempt;
    uint64_t retry_at_ms;

    /* accepted: auth */
    uint64_t key_ticket;
    uint32_t key_id;
    uint8_t *claims;
    size_t claims_len;
    uint8_t signature[64];
    size_t signature_len;
    uint64_t expires_at;
    ws_early_t *early, **early_tail;
    size_t early_frames, early_bytes;

    /* receive */
    ws_rx_t rx;
    bool rx_skip; /* the rest of a malformed message */
    unsigned pause;
    size_t held_bytes; /* stream chunks from this conn held by full streams */

    /* send queue */
    ws_frame_t *q_head, *q_tail;
    size_t q_frames, q_bytes;
    bool want_writable; /* a send was refused: tell the owner when there is room */
} ws_conn_t;

struct actr_ws_hub {
    uv_loop_t *loop;
    actr_ws_config_t cfg;
    char *listen_host, *advertised_host;
    actr_ws_callbacks_t cb;

    /* identity presented by dials: the two header values, ready to send */
    char *source_hex, *credential_b64;

    struct lws_context *lws;
    struct lws_vhost *vhost;
    lws_retry_bo_t idle_policy;
    void *lws_handles[WS_MAX_LWS_HANDLES];
    size_t lws_handle_count;
    uint16_t port;

    actr_hmap_t *by_id;   /* live ids -> ws_conn_t */
    ws_conn_t *conns;
    uint32_t n_live;
    actr_ws_conn_id_t next_id;

    actr_hmap_t *streams; /* stream_id -> ws_stream_t */

    uv_timer_t t_tick, t_defer;
    bool tick_on;
    int open_handles;
    bool destroying, lws_destroyed;
    void (*destroy_done)(void *);
    void *destroy_arg;

    actr_ws_stats_t stats;
};

/* ---- hub.c ---- */
void ws_emit(actr_ws_hub_t *hub, ws_conn_t *c, actr_ws_state_t state);
/* Makes sure the tick runs (retry waits, auth deadlines); now: run it on the next loop turn. */
void ws_tick_want(actr_ws_hub_t *hub, bool now);

/* ---- conn.c ---- */
int ws_protocol_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len);
ws_conn_t *ws_conn_get(const actr_ws_hub_t *hub, actr_ws_conn_id_t id);
/* Ends c for its owner: DISCONNECTED (if owed) with reason, queues dropped, wsi closed. */
void ws_conn_end(ws_conn_t *c, actr_ws_reason_t reason, uint16_t close_code);
/* Starts attempts whose wait is over; returns whether any conn still waits. */
bool ws_conns_tick(actr_ws_hub_t *hub, uint64_t now_ms);
/* Stops or resumes reading c for one reason. */
void ws_conn_pause(ws_conn_t *c, unsigned why, bool on);
/* Frees every conn struct (lws is gone). */
void ws_conns_free_all(actr_ws_hub_t *hub);
/* A frame for the owner (lanes 0, 1, 4) or the registry (2, 3): consumes payload. */
void ws_conn_deliver(ws_conn_t *c, uint8_t payload_type, actr_buf_t payload);

/* ---- auth.c ---- */
/* The upgrade is done on an accepted conn: read the headers and start verifying. */
void ws_auth_start(ws_conn_t *c);
/* Cancels a key lookup in flight and frees what auth keeps. */
void ws_auth_clear(ws_conn_t *c);

/* ---- stream.c ---- */
int ws_streams_new(actr_ws_hub_t *hub);
void ws_streams_free(actr_ws_hub_t *hub);
/* A DataChunk frame from c: consumes payload. */
void ws_stream_dispatch(ws_conn_t *c, uint8_t payload_type, actr_buf_t payload);
/* c goes away: its held chunks stay (they are data already received) but no longer pause it. */
void ws_streams_forget_conn(actr_ws_hub_t *hub, ws_conn_t *c);

#endif /* ACTR_WIRE_WEBSOCKET_WS_INTERNAL_H */
