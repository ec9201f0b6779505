/*
 * metrics.h - actrd's counters and their Prometheus text exposition (GET /metrics).
 *
 * The network side counts HTTP, WebSocket and rate-limit events here; the signaling module keeps
 * its own counters (actrd_sig_stats), which the formatter merges in. Every name starts with
 * "actrd_"; docs/ACTRD.md lists them. Loop thread only: plain integers, no atomics.
 */
#ifndef ACTRD_NET_METRICS_H
#define ACTRD_NET_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "signaling/signaling.h"

typedef enum actrd_route {
    ACTRD_ROUTE_AIS_REGISTER,
    ACTRD_ROUTE_AIS_RENEW,
    ACTRD_ROUTE_MFR,
    ACTRD_ROUTE_HEALTH,
    ACTRD_ROUTE_METRICS,
    ACTRD_ROUTE_SIGNALING_WS, /* upgrades refused with an HTTP status */
    ACTRD_ROUTE_OTHER,
    ACTRD_ROUTE_COUNT
} actrd_route_t;

/* Why an upgrade to /signaling/ws was refused. */
typedef enum actrd_refusal {
    ACTRD_REFUSE_NOT_FOUND,      /* another path */
    ACTRD_REFUSE_BAD_QUERY,      /* a parameter missing or unparsable: 401 */
    ACTRD_REFUSE_BAD_CREDENTIAL, /* signature, key or claims wrong: 401 */
    ACTRD_REFUSE_EXPIRED,        /* credential expired: 401 */
    ACTRD_REFUSE_ACTOR_MISMATCH, /* claims.actor_id != actor_id: 401 */
    ACTRD_REFUSE_RATE_LIMITED,   /* per-IP connection rate: 429 */
    ACTRD_REFUSE_UNAVAILABLE,    /* signaling refused the connect (limit, memory) */
    ACTRD_REFUSE_COUNT
} actrd_refusal_t;

/* Close codes we send, by reason. */
typedef enum actrd_close_kind {
    ACTRD_CLOSE_GOING_AWAY,  /* 1001 shutdown */
    ACTRD_CLOSE_DISPLACED,   /* 1008 */
    ACTRD_CLOSE_TOO_BIG,     /* 1009 */
    ACTRD_CLOSE_INTERNAL,    /* 1011 */
    ACTRD_CLOSE_OVERLOADED,  /* 1013 send queue full / connection limit */
    ACTRD_CLOSE_OTHER,
    ACTRD_CLOSE_COUNT
} actrd_close_kind_t;

/* HTTP statuses counted one by one; the rest fall in "other". */
#define ACTRD_STATUS_SLOTS 12

#define ACTRD_RATE_WINDOW 11 /* samples: 10 one-second intervals */

typedef struct actrd_metrics {
    int64_t start_wall_s;
    uint64_t http_responses[ACTRD_ROUTE_COUNT][ACTRD_STATUS_SLOTS];
    uint64_t http_rate_limited;
    uint64_t http_body_too_large;
    uint64_t http_bytes_in, http_bytes_out; /* request and response bodies */
    uint64_t registrations_ok, registrations_failed; /* by the RegisterResponse's oneof */
    uint64_t renewals_ok, renewals_failed;
    uint64_t register_errors[ACTRD_STATUS_SLOTS]; /* RegisterResponse.error.code */
    uint64_t renew_errors[ACTRD_STATUS_SLOTS];    /* the mirrored HTTP status */

    uint64_t ws_open;     /* gauge: upgraded sockets not yet closed */
    uint64_t ws_accepted; /* upgrades accepted */
    uint64_t ws_refused[ACTRD_REFUSE_COUNT];
    uint64_t ws_closes[ACTRD_CLOSE_COUNT];
    uint64_t ws_frames_in_binary, ws_frames_in_text, ws_frames_out;
    uint64_t ws_bytes_in, ws_bytes_out;
    uint64_t ws_queue_full;

    /* Relay totals sampled once a second, for relays per second over the last 10 s. */
    uint64_t rate_relays[ACTRD_RATE_WINDOW];
    uint64_t rate_ms[ACTRD_RATE_WINDOW];
    unsigned rate_next, rate_count;
} actrd_metrics_t;

void actrd_metrics_init(actrd_metrics_t *m, int64_t now_wall_s);

/* The slot of an HTTP status in the per-status arrays. */
unsigned actrd_status_slot(int status);
/* The status a slot stands for; 0 for the "other" slot. */
int actrd_status_of_slot(unsigned slot);

void actrd_metrics_http(actrd_metrics_t *m, actrd_route_t route, int status);

/* Takes a sample of the relay counter (once a second). */
void actrd_metrics_sample(actrd_metrics_t *m, uint64_t relays_total, uint64_t now_ms);
/* Relays per second over the sampled window; 0 before two samples. */
double actrd_metrics_relay_rate(const actrd_metrics_t *m);

/*
 * Renders the exposition text (version 0.0.4) into a malloc'd buffer. sig may be NULL.
 * Returns 0 or ACTR_ENOMEM.
 */
int actrd_metrics_format(const actrd_metrics_t *m, const actrd_sig_stats_t *sig, int64_t now_s,
                         char **out, size_t *len);

#endif /* ACTRD_NET_METRICS_H */
