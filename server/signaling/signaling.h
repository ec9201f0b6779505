/*
 * signaling.h - actrd's signaling protocol logic (spec: protocol.md sections 6, 7.1-7.3, 9.4-9.7).
 *
 * A pure module: no sockets, no threads, no clock of its own. The network side (server/net/)
 * authenticates the WebSocket upgrade, then feeds this service one call per event:
 *
 *   actrd_sig_connect()    after a successful upgrade (query credential already verified)
 *   actrd_sig_frame()      for each Binary frame (Text frames are ignored by the network side)
 *   actrd_sig_disconnect() when the socket is gone (after our close too)
 *   actrd_sig_tick()       about once a second (registry expiry sweep)
 *
 * and the service answers through the transport table (send a frame, close a socket) and asks the
 * state side through the backend table (realm, credential, ACL, signing keys, pending
 * registrations). Everything runs on one thread (the loop thread); nothing here locks.
 *
 * Re-entrancy: transport callbacks must not call back into actrd_sig_* (queue the close and call
 * actrd_sig_disconnect() later, from the loop).
 */
#ifndef ACTRD_SIGNALING_H
#define ACTRD_SIGNALING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"
#include "actr/types.h"

typedef struct actrd_sig actrd_sig_t;           /* the signaling service */
typedef struct actrd_sig_conn actrd_sig_conn_t; /* one authenticated socket */

/*
 * What the service needs from the state side; the same contracts as backend.h, with an opaque
 * self. actrd_sig_backend_state is the table that calls backend.h (self = actrd_state_t *);
 * tests pass their own.
 */
typedef struct actrd_sig_backend {
    /* 0, ACTR_EPERM (answered 403) or anything else (answered 500). */
    int (*realm_check)(void *self, uint32_t realm_id);
    /* As actrd_credential_verify(): 0 with claims.actor_id copied into actor_id. */
    int (*credential_verify)(void *self, uint32_t key_id, const uint8_t *claims,
                             size_t claims_len, const uint8_t *sig, size_t sig_len,
                             uint32_t realm_id, char *actor_id, size_t cap, uint64_t *expires_at,
                             actr_error_t *err);
    /* 0 with the 32-byte key, ACTR_ENOTFOUND (404) or another error (500). */
    int (*signing_key_get)(void *self, uint32_t key_id, uint8_t pub[32]);
    /* Type strings are "manufacturer:name:version". */
    bool (*acl_can_discover)(void *self, uint32_t src_realm, uint32_t tgt_realm,
                             const char *from_type, const char *to_type);
    /* As actrd_pending_registration_get(): malloc'd outputs, ACTR_ENOTFOUND when none. */
    int (*pending_registration_get)(void *self, uint32_t realm_id, uint64_t serial,
                                    uint8_t **service_spec, size_t *service_spec_len,
                                    char **ws_address);
} actrd_sig_backend_t;

/* The default backend: calls the backend.h functions (server/signaling/backend_default.c). */
extern const actrd_sig_backend_t actrd_sig_backend_state;

/* The network side's half. net_conn is the network side's own handle, passed back verbatim. */
typedef struct actrd_sig_transport {
    void *self;
    /*
     * Queues one binary WebSocket frame (the network side copies the bytes). Non-zero means not
     * queued (send queue full, socket closing): the service then counts the loss and closes the
     * connection with 1013 "send queue full" once, because a peer that lost a reply or a relayed
     * ICE candidate is better served by reconnecting than by waiting for timeouts.
     */
    int (*send)(void *self, void *net_conn, const uint8_t *data, size_t len);
    /* Starts closing with a WebSocket close code and reason; called at most once per connection.
     * The network side still calls actrd_sig_disconnect() when the socket is gone. */
    void (*close)(void *self, void *net_conn, int code, const char *reason);
} actrd_sig_transport_t;

/* Injectable time (tests drive a fake clock). */
typedef struct actrd_sig_clock {
    void *self;
    uint64_t (*mono_ms)(void *self); /* monotonic milliseconds: expiry, rate limits */
    int64_t (*wall_s)(void *self);   /* Unix seconds: Pong.seq */
} actrd_sig_clock_t;

typedef struct actrd_sig_config {
    actrd_sig_clock_t clock;         /* default: actr_clock_mono_ms / actr_clock_wall_s */
    uint32_t registry_ttl_ms;        /* entry expires without a Ping for longer: 60000 */
    uint32_t sweep_interval_ms;      /* expiry sweep period: 30000 */
    uint32_t pong_interval_secs;     /* Pong.suggest_interval_secs: 30 */
    double msg_rate_per_sec;         /* per-socket token refill rate: 100 (0 = no limit) */
    uint32_t msg_burst;              /* per-socket bucket size: 200 */
    uint32_t max_frame_bytes;        /* larger frames are refused (413): 262144 */
    uint32_t max_connections;        /* connect() refuses beyond this (0 = no limit): 0 */
    uint32_t max_route_candidates;   /* cap of a route_candidates answer: 1000 */
    uint32_t max_subscriptions;      /* presence subscriptions per actor: 64 */
} actrd_sig_config_t;

/* Fills the defaults above. */
void actrd_sig_config_init(actrd_sig_config_t *cfg);

/* Counters for /metrics. Gauges are marked; everything else only grows. */
typedef struct actrd_sig_stats {
    uint64_t connections;           /* gauge: sockets known to the service */
    uint64_t actors;                /* gauge: ActrIds with a current socket */
    uint64_t registry_entries;      /* gauge: discoverable entries (not expired) */
    uint64_t subscriptions;         /* gauge: presence subscriptions */
    uint64_t connects;              /* accepted connects */
    uint64_t connects_refused;      /* connect() failures (limit, memory) */
    uint64_t displaced;             /* older sockets closed with 1008 */
    uint64_t frames_in;             /* binary frames received */
    uint64_t frames_undecodable;    /* not a SignalingEnvelope, or too large */
    uint64_t frames_after_close;    /* dropped: the socket was already being closed */
    uint64_t frames_out;            /* frames queued to the transport */
    uint64_t send_failures;         /* frames the transport refused */
    uint64_t rate_limited;          /* frames refused by the per-socket limit */
    uint64_t requests;              /* ActrToSignaling messages that passed the checks */
    uint64_t pings;
    uint64_t relays;                /* relays forwarded to their target */
    uint64_t role_negotiations;     /* role negotiations answered */
    uint64_t relays_dropped_displaced; /* relays from a socket that is not the source's current */
    uint64_t relays_dropped_no_target; /* relays whose target has no socket */
    uint64_t actr_up_events;        /* presence events sent */
    uint64_t expired;               /* registry entries removed by the sweep */
    /* Error replies by code: 400, 401, 403, 404, 410, 413, 429, 500, anything else. */
    uint64_t errors_400, errors_401, errors_403, errors_404, errors_410, errors_413, errors_429,
        errors_500, errors_other;
} actrd_sig_stats_t;

/*
 * Creates the service. backend and tp are copied; cfg may be NULL (defaults). Returns 0,
 * ACTR_EINVAL (a NULL table or callback) or ACTR_ENOMEM.
 */
int actrd_sig_new(const actrd_sig_backend_t *backend, void *backend_self,
                  const actrd_sig_transport_t *tp, const actrd_sig_config_t *cfg,
                  actrd_sig_t **out);

/* Frees the service and every connection still known (without calling the transport). */
void actrd_sig_free(actrd_sig_t *sig);

/*
 * The network side verified the query credential (protocol.md 6.1) and upgraded. Binds the
 * socket to id, closes an older socket of the same ActrId (realm + serial) with 1008
 * "displaced by new connection", registers the actor in the service registry with its pending
 * registration's ServiceSpec and ws_address, and pushes ActrUpEvent to ACL-allowed subscribers.
 * webrtc_role is "answer" or NULL; credential_expires_at (Unix seconds) is kept for logs.
 * Returns 0 with *out, ACTR_EINVAL, ACTR_EAGAIN (max_connections reached) or ACTR_ENOMEM; on
 * failure nothing is bound and the network side should close the socket (1013 / 1011).
 */
int actrd_sig_connect(actrd_sig_t *sig, void *net_conn, const actr_id_t *id,
                      const char *webrtc_role, uint64_t credential_expires_at,
                      actrd_sig_conn_t **out);

/* One binary frame from conn. Never fails: refusals are answered or logged and counted. */
void actrd_sig_frame(actrd_sig_t *sig, actrd_sig_conn_t *conn, const uint8_t *data, size_t len);

/* The socket is gone: unbinds it (if still current) and frees conn. conn is invalid after. */
void actrd_sig_disconnect(actrd_sig_t *sig, actrd_sig_conn_t *conn);

/* Housekeeping, about once a second: the registry expiry sweep (every sweep_interval_ms).
 * now_ms is on the service clock's monotonic timeline (default: actr_clock_mono_ms()). */
void actrd_sig_tick(actrd_sig_t *sig, uint64_t now_ms);

void actrd_sig_stats(const actrd_sig_t *sig, actrd_sig_stats_t *out);

/* The network side's handle and the bound identity of a connection. */
void *actrd_sig_conn_net(const actrd_sig_conn_t *conn);
const actr_id_t *actrd_sig_conn_id(const actrd_sig_conn_t *conn);

/*
 * Optional: where the actor runs (e.g. from GeoIP or configuration), used by the NEAREST ranking
 * factor. actrix never learns candidate locations, so there NEAREST orders nothing.
 */
void actrd_sig_conn_set_location(actrd_sig_conn_t *conn, double latitude, double longitude);

#endif /* ACTRD_SIGNALING_H */
