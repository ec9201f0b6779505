/*
 * sigc_internal.h - the signaling client's state, shared by its files:
 *
 *   client.c     lifetime, identity, deferred completions, stats, names
 *   cycle.c      connect cycles and the reconnect manager, loss of a connection, disconnect
 *   conn.c       the lws context and one lws client connection per attempt: I/O, send queue
 *   keepalive.c  the tick: attempt timeout, WebSocket Pings, liveness, send stalls, probes
 *   requests.c   envelopes out (requests, relays), envelopes in (replies, unsolicited)
 *   heartbeat.c  Ping envelopes on an interval
 *   query.c      the identity query string and ActrId/credential protobuf views
 */
#ifndef ACTR_WIRE_SIGNALING_SIGC_INTERNAL_H
#define ACTR_WIRE_SIGNALING_SIGC_INTERNAL_H

#include <libwebsockets.h>

#include "base/backoff.h"
#include "base/hashmap.h"
#include "platform/config/url.h"
#include "wire/signaling/client.h"

#define SIGC_LOG "signaling"
#define SIGC_MAX_LWS_HANDLES 16 /* uv handles lws creates with its context (4 seen) */
#define SIGC_CLOSE_REASON_MAX 123

/* One queued Binary message; buf has LWS_PRE bytes of headroom before the payload. */
typedef struct sigc_frame {
    struct sigc_frame *next;
    uint64_t queued_ms;
    size_t len;
    unsigned char buf[];
} sigc_frame_t;

/*
 * One lws client connection: an attempt, then the connection. lws owns the socket; this lives
 * until lws destroys the wsi (WSI_DESTROY), even after the client has moved on ("detached").
 */
typedef struct sigc_conn {
    actr_sigc_t *owner;
    struct sigc_conn *next; /* owner->conns */
    struct lws *wsi;
    bool attached;          /* owner->conn == this: its events matter */
    bool opening;           /* inside lws_client_connect_via_info() */
    bool early_error;       /* lws failed it inside that call (text in peer_close_reason) */
    bool established;
    bool close_pending;     /* send our close frame from the next WRITEABLE */
    bool close_sent;
    uint16_t close_code;    /* the code we send */
    uint16_t peer_close_code;
    char peer_close_reason[SIGC_CLOSE_REASON_MAX + 1];
    uint8_t *rx;            /* reassembly of a fragmented message */
    size_t rx_len, rx_cap;
    bool rx_binary;
    bool rx_skip;           /* rest of an oversized message */
} sigc_conn_t;

typedef struct sigc_waiter {
    struct sigc_waiter *next;
    actr_sigc_done_cb cb;
    void *userdata;
} sigc_waiter_t;

/* A request waiting for its reply; in c->pending by id and in a list sorted by deadline. */
typedef struct sigc_req {
    char id[ACTR_SIGC_ENV_ID_SIZE];
    uint64_t deadline_ms;
    actr_sigc_reply_cb cb;
    void *userdata;
    struct sigc_req *prev, *next;
} sigc_req_t;

struct actr_sigc {
    uv_loop_t *loop;
    actr_sigc_config_t cfg; /* cfg.url points at url_text; identity pointers unused */
    char *url_text;
    actr_url_t url;
    actr_sigc_callbacks_t cb;

    /* identity: what envelopes carry and what the next attempt authenticates with */
    actr_id_t id;
    uint32_t key_id;
    uint8_t *claims;
    size_t claims_len;
    uint8_t *signature;
    size_t signature_len;

    struct lws_context *lws;
    void *lws_handles[SIGC_MAX_LWS_HANDLES]; /* to know when lws has closed them */
    size_t lws_handle_count;

    actr_sigc_state_t state;
    sigc_conn_t *conn;  /* the current attempt or connection */
    sigc_conn_t *conns; /* every connection lws still knows */

    /* connect cycle and reconnect manager (cycle.c) */
    bool cycle_active;   /* attempts in progress or a wait between them */
    bool cycle_auto;     /* started by the reconnect manager */
    bool retry_waiting;  /* t_retry runs: backoff or cooldown */
    bool want_connected; /* connected once and not explicitly disconnected since */
    bool credential_paused; /* refused credential: no retries until set_identity/connect */
    uint32_t attempt;
    actr_backoff_t backoff;
    uint64_t attempt_deadline_ms;
    sigc_waiter_t *connect_waiters; /* waiting for the cycle */
    sigc_waiter_t *ready_waiters;   /* answered, to be called from t_defer */

    /* keepalive (keepalive.c) */
    uint64_t last_rx_ms;
    uint64_t last_ping_ms;
    bool ping_due;
    bool probe_active; /* a probe Ping is out (or due) */
    bool probe_due;
    uint64_t probe_seq;
    uint64_t probe_deadline_ms;
    char probe_payload[64];
    size_t probe_len;
    sigc_waiter_t *probe_waiters;

    /* send queue (conn.c) */
    sigc_frame_t *q_head, *q_tail;
    size_t q_frames, q_bytes;

    /* requests (requests.c) */
    uint64_t next_env; /* env-<n>, from 1 */
    actr_hmap_t *pending;
    sigc_req_t *req_head, *req_tail;

    /* heartbeat (heartbeat.c) */
    actr_sigc_heartbeat_t hb;
    bool hb_on;
    bool hb_in_flight;
    uint64_t hb_generation; /* tells a stale reply from the current heartbeat's */

    uv_timer_t t_tick, t_retry, t_req, t_hb, t_defer;
    int open_handles;
    bool destroying;
    bool lws_destroyed;

    actr_sigc_stats_t stats;
};

/* ---- client.c ---- */
uint64_t sigc_now_ms(const actr_sigc_t *c);
/* Calls every waiter of *list (detached first) with status and err. */
void sigc_waiters_complete(actr_sigc_t *c, sigc_waiter_t **list, int status,
                           const actr_error_t *err);
int sigc_waiter_add(sigc_waiter_t **list, actr_sigc_done_cb cb, void *userdata);
/* Runs ready_waiters from the loop soon. */
void sigc_defer_kick(actr_sigc_t *c);
void sigc_emit(actr_sigc_t *c, actr_sigc_state_t state, actr_sigc_reason_t reason,
               uint32_t http_status, uint16_t close_code, const char *detail);

/* ---- cycle.c ---- */
/* Starts a cycle (or restarts the one waiting between attempts) with a fresh backoff. */
void sigc_cycle_start(actr_sigc_t *c, bool automatic);
/* The current attempt failed: err says why (wire_code 401/403 ends the cycle). */
void sigc_attempt_failed(actr_sigc_t *c, int status, const actr_error_t *err);
/* The current attempt reached ESTABLISHED. */
void sigc_attempt_succeeded(actr_sigc_t *c);
/* The established connection is gone (the conn is detached here if it is not yet). */
void sigc_lost(actr_sigc_t *c, actr_sigc_reason_t reason, uint16_t close_code,
               const char *detail);
void sigc_cycle_stop(actr_sigc_t *c);

/* ---- conn.c ---- */
int sigc_lws_create(actr_sigc_t *c, actr_error_t *err);
/* First lws_context_destroy (from a loop callback). */
void sigc_lws_shutdown(actr_sigc_t *c);
/* Whether every uv handle lws made is closed (then the second destroy is safe). */
bool sigc_lws_handles_closed(actr_sigc_t *c);
void sigc_lws_free(actr_sigc_t *c);
/* Opens an attempt: c->conn. 0, or an error (the attempt failed at once). */
int sigc_conn_open(actr_sigc_t *c, actr_error_t *err);
/* Detaches c->conn; close_code 0 kills the socket, else a close frame is sent first. */
void sigc_conn_detach(actr_sigc_t *c, uint16_t close_code);
/* Queues a packed frame (takes ownership, even on failure); asks lws for WRITEABLE. */
int sigc_queue_push(actr_sigc_t *c, sigc_frame_t *f);
void sigc_queue_clear(actr_sigc_t *c);
/* Asks for a WRITEABLE callback on the current connection (pings, probes). */
void sigc_conn_want_write(actr_sigc_t *c);

/* ---- keepalive.c ---- */
void sigc_keepalive_start(actr_sigc_t *c); /* the tick runs while there is a c->conn */
void sigc_keepalive_stop(actr_sigc_t *c);
void sigc_keepalive_on_rx(actr_sigc_t *c);
void sigc_keepalive_on_pong(actr_sigc_t *c, const void *payload, size_t len);
/* Writes a due Ping or probe on wsi: 1 if one was written, 0 if none was due, -1 on error. */
int sigc_keepalive_write(actr_sigc_t *c, struct lws *wsi);
void sigc_probe_fail(actr_sigc_t *c, int status);

/* ---- requests.c ---- */
int sigc_requests_init(actr_sigc_t *c);
void sigc_requests_free(actr_sigc_t *c);
/* Fails every pending request with status (ACTR_ECLOSED, ACTR_ECANCELED). */
void sigc_requests_fail_all(actr_sigc_t *c, int status);
/* One complete Binary message from the server. */
void sigc_on_message(actr_sigc_t *c, const uint8_t *data, size_t len);

/* ---- heartbeat.c ---- */
void sigc_heartbeat_on_connected(actr_sigc_t *c);
void sigc_heartbeat_on_lost(actr_sigc_t *c);

/* ---- query.c ---- */
/* An Actr__ActrId borrowing an actr_id_t's strings; do not move it once initialised. */
typedef struct sigc_pb_id {
    Actr__ActrId id;
    Actr__Realm realm;
    Actr__ActrType type;
} sigc_pb_id_t;

void sigc_pb_id_init(sigc_pb_id_t *p, const actr_id_t *id);
void sigc_pb_credential_init(const actr_sigc_t *c, Actr__AIdCredential *out);
/* The path for the upgrade request: url path, its own query, then the identity query. */
int sigc_upgrade_path(const actr_sigc_t *c, char **out);
/* Checks an identity (valid ActrId, non-empty claims and signature). */
int sigc_identity_check(const actr_sigc_identity_t *identity, actr_error_t *err);

#endif /* ACTR_WIRE_SIGNALING_SIGC_INTERNAL_H */
