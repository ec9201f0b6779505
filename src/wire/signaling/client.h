/*
 * client.h - the node's signaling client (spec: protocol.md 6.1-6.3, 7.1, 7.5; runtime.md 3.1,
 * 10.6): one WebSocket to the signaling server, authenticated by query parameters, carrying one
 * SignalingEnvelope per Binary message, with request/reply correlation by `reply_for`, relays,
 * keepalive (WebSocket Ping every 5 s, dead after 10 s of silence), a heartbeat helper and a
 * reconnect manager. docs/SIGNALING-CLIENT.md describes states, timers and integration.
 *
 * Threading: everything runs on the uv_loop_t given to actr_sigc_new(). Every function must be
 * called on that loop's thread and every callback runs there. Callbacks may call any function
 * of this API, including actr_sigc_destroy().
 *
 *   actr_sigc_config_t cfg;
 *   actr_sigc_config_init(&cfg);
 *   cfg.url = "ws://127.0.0.1:8081/signaling/ws";
 *   cfg.identity = (actr_sigc_identity_t){id, key_id, claims, claims_len, sig, sig_len};
 *   actr_sigc_t *c;
 *   actr_sigc_new(loop, &cfg, &callbacks, &c, &err);
 *   actr_sigc_connect(c, on_connected, ctx);
 *   ...
 *   actr_sigc_destroy(c);   // then let the loop run: it frees itself
 *
 * Not thread-safe, not public API: the generated protobuf types are private to the library.
 */
#ifndef ACTR_WIRE_SIGNALING_CLIENT_H
#define ACTR_WIRE_SIGNALING_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "actr.pb-c.h"
#include "actr/error.h"
#include "actr/types.h"
#include "signaling.pb-c.h"

typedef struct actr_sigc actr_sigc_t;

/* "env-<u64>" or a UUID, with the NUL. */
#define ACTR_SIGC_ENV_ID_SIZE 40

/* ---- configuration ---- */

/* The node's identity and current AIdCredential. Borrowed: the client copies it. */
typedef struct actr_sigc_identity {
    actr_id_t id;
    uint32_t key_id;
    const uint8_t *claims; /* the encoded IdentityClaims, kept verbatim */
    size_t claims_len;
    const uint8_t *signature; /* 64-byte Ed25519 signature over claims */
    size_t signature_len;
} actr_sigc_identity_t;

/*
 * Retry policy, used both by actr_sigc_connect() and by the reconnect manager. A cycle makes
 * one attempt at once, then up to max_attempts more, waiting initial_ms, x multiplier, capped
 * at max_ms, each delay +-jitter. An exhausted automatic cycle waits cooldown_ms and starts
 * over (runtime.md 10.6).
 */
typedef struct actr_sigc_retry {
    bool auto_reconnect;   /* reconnect after an unexpected loss (default true) */
    uint32_t max_attempts; /* retries per cycle after the first attempt (10) */
    uint32_t initial_ms;   /* first delay (1000) */
    uint32_t max_ms;       /* delay ceiling (60000) */
    double multiplier;     /* 2.0 */
    double jitter;         /* 0.3 = +-30 % */
    uint32_t cooldown_ms;  /* after an exhausted automatic cycle; 0 = 2 x max_ms (120 s) */
} actr_sigc_retry_t;

typedef struct actr_sigc_config {
    const char *url;              /* ws:// or wss://host[:port]/path[?query]; copied */
    actr_sigc_identity_t identity;
    bool prefer_answer;           /* adds webrtc_role=answer to the query */
    uint32_t connect_timeout_ms;  /* per attempt, TCP + upgrade (30000) */
    uint32_t request_timeout_ms;  /* default reply wait of actr_sigc_send_request (5000) */
    uint32_t send_timeout_ms;     /* a queued frame unsent this long kills the connection (5000) */
    uint32_t ping_interval_ms;    /* WebSocket Ping period (5000) */
    uint32_t liveness_timeout_ms; /* no inbound traffic this long: dead (10000) */
    uint32_t max_queue_frames;    /* send queue bound in frames (256) */
    size_t max_queue_bytes;       /* send queue bound in bytes (4 MiB) */
    size_t max_frame_bytes;       /* largest envelope sent or received (1 MiB) */
    actr_sigc_retry_t retry;
} actr_sigc_config_t;

/* Fills the defaults above; url and identity stay empty. */
void actr_sigc_config_init(actr_sigc_config_t *cfg);

/* ---- states and events ---- */

typedef enum actr_sigc_state {
    ACTR_SIGC_DISCONNECTED = 0,
    ACTR_SIGC_CONNECTING, /* a connect cycle runs: an attempt or a wait before the next one */
    ACTR_SIGC_CONNECTED,
} actr_sigc_state_t;

typedef enum actr_sigc_reason {
    ACTR_SIGC_REASON_NONE = 0,
    ACTR_SIGC_REASON_MANUAL,         /* actr_sigc_disconnect() */
    ACTR_SIGC_REASON_STREAM_ENDED,   /* the server closed the socket or the TCP stream ended */
    ACTR_SIGC_REASON_PONG_TIMEOUT,   /* no inbound traffic for liveness_timeout_ms, or a probe */
    ACTR_SIGC_REASON_SEND_FAILED,    /* a write failed */
    ACTR_SIGC_REASON_SEND_TIMEOUT,   /* a queued frame waited longer than send_timeout_ms */
    ACTR_SIGC_REASON_DISPLACED,      /* close 1008: another socket of our ActrId took over */
    ACTR_SIGC_REASON_CONNECT_FAILED, /* a connect cycle ended without a connection */
    ACTR_SIGC_REASON_CREDENTIAL_REJECTED, /* the upgrade was refused with 401 or 403 */
} actr_sigc_reason_t;

typedef struct actr_sigc_event {
    actr_sigc_state_t state;
    actr_sigc_reason_t reason; /* DISCONNECTED only */
    uint32_t attempt;          /* CONNECTING: 1 for the first attempt of a cycle */
    uint32_t http_status;      /* refused upgrade: its HTTP status, else 0 */
    uint16_t close_code;       /* WebSocket close code sent by the server, else 0 */
    const char *detail;        /* human-readable, never NULL */
} actr_sigc_event_t;

const char *actr_sigc_state_name(actr_sigc_state_t state);
const char *actr_sigc_reason_name(actr_sigc_reason_t reason);

typedef struct actr_sigc_callbacks {
    /* Every state change: each attempt (CONNECTING), CONNECTED, DISCONNECTED with a reason. */
    void (*on_state)(actr_sigc_t *c, const actr_sigc_event_t *ev, void *userdata);
    /*
     * Envelopes that answer none of our pending requests: relays, pushes (ActrUpEvent), late
     * replies and errors, envelope_error. Borrowed for the duration of the call.
     */
    void (*on_unsolicited)(actr_sigc_t *c, const Signaling__SignalingEnvelope *env,
                           void *userdata);
    void *userdata;
} actr_sigc_callbacks_t;

/*
 * Completion of actr_sigc_connect() and actr_sigc_probe(): status 0, or ACTR_ETIMEDOUT,
 * ACTR_ECLOSED, ACTR_EIO, ACTR_EPERM (credential refused, err->wire_code 401 or 403),
 * ACTR_ECANCELED (disconnect() or destroy()). err is NULL on success.
 */
typedef void (*actr_sigc_done_cb)(actr_sigc_t *c, int status, const actr_error_t *err,
                                  void *userdata);

/*
 * Completion of a request: status 0 with the reply (borrowed for the call; it may carry an
 * error payload, see actr_sigc_reply_error()), or ACTR_ETIMEDOUT, ACTR_ECLOSED (the connection
 * was lost first) or ACTR_ECANCELED (destroy) with reply NULL.
 */
typedef void (*actr_sigc_reply_cb)(actr_sigc_t *c, int status,
                                   const Signaling__SignalingEnvelope *reply, void *userdata);

/* ---- lifetime ---- */

/*
 * Creates a client on loop (its own lws context for now). Checks the URL and identity:
 * ACTR_EINVAL with the reason in err; ACTR_ENOMEM; ACTR_EIO when lws cannot start.
 * callbacks is copied; NULL is allowed.
 */
int actr_sigc_new(uv_loop_t *loop, const actr_sigc_config_t *cfg,
                  const actr_sigc_callbacks_t *callbacks, actr_sigc_t **out, actr_error_t *err);

/*
 * Starts freeing the client: pending requests, connect and probe waiters complete with
 * ACTR_ECANCELED (inside this call), no on_state follows, the socket is closed. Memory is freed
 * from the loop a few iterations later, so keep running the loop; uv_loop_close() succeeds
 * once it has returned. NULL is allowed; a second call does nothing.
 */
void actr_sigc_destroy(actr_sigc_t *c);

/* ---- connection ---- */

/*
 * Connects unless connected. Single flight: calls while a cycle runs join it and all get its
 * result. Joining a cycle that is waiting between attempts starts the next attempt at once with
 * a fresh backoff. done may be NULL; it is never called from inside this function (when already
 * connected it runs from the loop right after). Returns 0, or ACTR_ESTATE after destroy().
 */
int actr_sigc_connect(actr_sigc_t *c, actr_sigc_done_cb done, void *userdata);

/*
 * Explicit disconnect: closes the socket (close 1000), fails pending requests (ACTR_ECLOSED) and
 * connect waiters (ACTR_ECANCELED), reports DISCONNECTED/MANUAL (from inside this call, unless
 * already disconnected) and suppresses automatic reconnects until the next connect().
 */
void actr_sigc_disconnect(actr_sigc_t *c);

actr_sigc_state_t actr_sigc_state(const actr_sigc_t *c);
bool actr_sigc_is_connected(const actr_sigc_t *c);

/*
 * Replaces the identity and credential (after a renewal or a hard rebind). Envelopes sent from
 * now on carry it and the next (re)connect uses it; an open connection stays open. After a
 * credential rejection it also resumes automatic reconnection. ACTR_EINVAL for a bad identity.
 */
int actr_sigc_set_identity(actr_sigc_t *c, const actr_sigc_identity_t *identity,
                           actr_error_t *err);

/*
 * Network-recovery probe (protocol.md 6.2): a WebSocket Ping carrying
 * "actr-signaling-probe-<n>-<unix>", done when its Pong arrives. On timeout the connection is
 * declared dead (PONG_TIMEOUT) and the reconnect manager takes over. Concurrent probes share
 * one Ping. timeout_ms 0 means 1000. ACTR_EUNAVAILABLE when not connected.
 */
int actr_sigc_probe(actr_sigc_t *c, uint32_t timeout_ms, actr_sigc_done_cb done,
                    void *userdata);

/* ---- messages ---- */

/*
 * Sends msg as a request: the client fills source and credential (msg itself is not changed;
 * set payload_case and the payload), wraps it in an envelope with id "env-<n>" (written to
 * id_out when not NULL) and waits up to timeout_ms (0: request_timeout_ms) for the envelope
 * whose reply_for is that id. done may be NULL (fire and forget, e.g. unregister): the reply is
 * then swallowed. done is never called when this returns an error:
 * ACTR_EUNAVAILABLE (not connected), ACTR_EAGAIN (send queue full), ACTR_ETOOBIG, ACTR_EINVAL,
 * ACTR_ENOMEM, ACTR_ESTATE (destroyed).
 */
int actr_sigc_send_request(actr_sigc_t *c, const Signaling__ActrToSignaling *msg,
                           uint32_t timeout_ms, actr_sigc_reply_cb done, void *userdata,
                           char id_out[ACTR_SIGC_ENV_ID_SIZE]);

/*
 * Sends relay (target and payload set by the caller; source and credential filled here) in an
 * envelope with a UUID v4 id. Fire and forget. Same errors as actr_sigc_send_request().
 */
int actr_sigc_send_relay(actr_sigc_t *c, const Signaling__ActrRelay *relay,
                         char id_out[ACTR_SIGC_ENV_ID_SIZE]);

/*
 * Whether a reply carries an error: SignalingToActr.error or envelope_error. Returns 1 and sets
 * *code and *message (optional, borrowed from reply), else 0.
 */
int actr_sigc_reply_error(const Signaling__SignalingEnvelope *reply, uint32_t *code,
                          const char **message);

/* ---- heartbeat (protocol.md 7.1 step 3, runtime.md 12.4) ---- */

typedef enum actr_sigc_hb_kind {
    ACTR_SIGC_HB_PONG = 0, /* answered with a Pong */
    ACTR_SIGC_HB_ERROR,    /* answered with an error; 401 means the credential expired */
    ACTR_SIGC_HB_TIMEOUT,  /* no answer within max(1 s, 0.4 x interval) */
    ACTR_SIGC_HB_FAILED,   /* not sent (queue full) or the connection was lost first */
} actr_sigc_hb_kind_t;

typedef struct actr_sigc_hb_result {
    actr_sigc_hb_kind_t kind;
    const Actr__Pong *pong;  /* PONG: borrowed for the call */
    bool credential_warning; /* PONG carrying a CredentialWarning: renew soon */
    bool credential_expired; /* ERROR with code 401: renew, then actr_sigc_set_identity() */
    uint32_t error_code;     /* ERROR */
    const char *message;     /* ERROR: the server's message; else "" */
    int status;              /* FAILED: the ACTR_E* code */
} actr_sigc_hb_result_t;

typedef struct actr_sigc_heartbeat {
    uint32_t interval_ms; /* RegisterOk.signaling_heartbeat_interval_secs x 1000; 0 = 30000 */
    /* Fills availability, power_reserve and mailbox_backlog; NULL: FULL, 1.0, 0.0. */
    void (*sample)(Actr__Ping *ping, void *userdata);
    void (*on_result)(actr_sigc_t *c, const actr_sigc_hb_result_t *r, void *userdata);
    void *userdata;
} actr_sigc_heartbeat_t;

/*
 * Sends Ping envelopes every interval while connected: the first at once (or as soon as a
 * connection is up), and again right after every reconnect. Replaces a running heartbeat.
 */
int actr_sigc_heartbeat_start(actr_sigc_t *c, const actr_sigc_heartbeat_t *hb);
void actr_sigc_heartbeat_stop(actr_sigc_t *c);

/* ---- statistics ---- */

typedef struct actr_sigc_stats {
    uint64_t attempts;      /* connection attempts started */
    uint64_t connects;      /* connections established */
    uint64_t reconnects;    /* of which made by the reconnect manager after a loss */
    uint64_t disconnects;   /* established connections that ended */
    uint64_t requests;      /* requests sent */
    uint64_t replies;       /* requests answered */
    uint64_t timeouts;      /* requests that timed out */
    uint64_t relays;        /* relays sent */
    uint64_t frames_in;     /* Binary messages received */
    uint64_t frames_out;    /* Binary messages written */
    uint64_t unsolicited;   /* envelopes handed to on_unsolicited */
    uint64_t undecodable;   /* Binary messages that were no SignalingEnvelope (dropped) */
    uint64_t text_ignored;  /* Text messages (ignored) */
    uint64_t oversized;     /* inbound messages over max_frame_bytes */
    uint64_t queue_full;    /* sends refused with ACTR_EAGAIN */
    uint64_t pings;         /* WebSocket Pings sent (keepalive and probes) */
    uint64_t pongs;         /* WebSocket Pongs received */
    uint64_t heartbeats;    /* Ping envelopes sent */
} actr_sigc_stats_t;

void actr_sigc_stats(const actr_sigc_t *c, actr_sigc_stats_t *out);

#endif /* ACTR_WIRE_SIGNALING_CLIENT_H */
