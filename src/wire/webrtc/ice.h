/*
 * ice.h - one ICE transport (one stream, one component, rtcp-mux/bundle) on libnice, driven by a
 * GLib context that the caller's libuv loop pumps (gpump.h). Trickle in both directions, STUN and
 * TURN servers from configuration, ICE restart with new credentials, remote-candidate buffering
 * before the matching remote credentials (spec: protocol.md 7.3, at most 256) and stale-ufrag
 * drop (the last 8 remote ufrags are remembered).
 *
 * Candidate strings are SDP attribute values without "a=": "candidate:1 1 UDP 2015363327
 * 127.0.0.1 43321 typ host". Remote `.local` (mDNS) candidates are skipped with a log line:
 * libnice cannot resolve them and we do not run an mDNS resolver (docs/WEBRTC.md).
 *
 * Every function runs on the loop thread; callbacks run there too (inside the pump's dispatch).
 * actr_ice_free() must not be called from inside one of this transport's callbacks.
 */
#ifndef ACTR_WIRE_WEBRTC_ICE_H
#define ACTR_WIRE_WEBRTC_ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/webrtc/gpump.h"

typedef struct actr_ice actr_ice_t;

#define ACTR_ICE_UFRAG_MAX 256
#define ACTR_ICE_PWD_MAX 256
#define ACTR_ICE_MAX_BUFFERED 256 /* remote candidates held per transport (spec 7.3) */
#define ACTR_ICE_STALE_UFRAGS 8   /* older remote ufrags whose candidates are dropped */

/* A STUN or TURN server: "stun:1.2.3.4:3478", "turn:1.2.3.4:3478?transport=udp". Host names
 * other than "localhost" are not resolved here (that would block the loop): pass addresses. */
typedef struct actr_ice_server {
    const char *url;
    const char *username;   /* TURN only (the AIS TurnCredential, spec protocol.md 4.2) */
    const char *credential; /* TURN only */
} actr_ice_server_t;

typedef struct actr_ice_config {
    bool controlling;                   /* the offerer controls (RFC 8445 6.1.1) */
    const actr_ice_server_t *servers;
    size_t nservers;
    const char *const *local_addresses; /* restrict gathering to these (tests: "127.0.0.1") */
    size_t nlocal_addresses;
    uint16_t port_min, port_max;        /* 0, 0: any */
    bool relay_only;                    /* [webrtc].force_relay: TURN candidates only */
    int socket_buffer_bytes;            /* SO_RCVBUF/SO_SNDBUF of the selected socket (4 MiB) */
} actr_ice_config_t;

typedef enum actr_ice_state {
    ACTR_ICE_NEW = 0,
    ACTR_ICE_CHECKING,
    ACTR_ICE_CONNECTED,
    ACTR_ICE_DISCONNECTED,
    ACTR_ICE_FAILED,
} actr_ice_state_t;

/* What happened to a remote candidate handed to actr_ice_add_remote_candidate(). */
typedef enum actr_ice_cand_result {
    ACTR_ICE_CAND_APPLIED = 0,
    ACTR_ICE_CAND_BUFFERED,      /* no matching remote credentials yet */
    ACTR_ICE_CAND_DROPPED_STALE, /* ufrag of an older generation */
    ACTR_ICE_CAND_DROPPED_FULL,  /* buffer at ACTR_ICE_MAX_BUFFERED */
    ACTR_ICE_CAND_SKIPPED,       /* mDNS, TCP, RTCP component or unparsable */
} actr_ice_cand_result_t;

typedef struct actr_ice_callbacks {
    /* A local candidate to trickle; ufrag is the local ufrag it belongs to. */
    void (*on_candidate)(void *arg, const char *candidate, const char *ufrag);
    void (*on_gathering_done)(void *arg);
    void (*on_state)(void *arg, actr_ice_state_t state);
    /* A (new) selected pair: sending works from now on. */
    void (*on_selected_pair)(void *arg);
    /* A non-STUN datagram (DTLS, RTP/RTCP). */
    void (*on_data)(void *arg, const uint8_t *data, size_t len);
} actr_ice_callbacks_t;

void actr_ice_config_init(actr_ice_config_t *cfg);

/* Creates the agent and its stream (not gathering yet). Returns 0, ACTR_EINVAL, ACTR_ENOMEM or
 * ACTR_EINTERNAL. */
int actr_ice_new(actr_gpump_t *pump, const actr_ice_config_t *cfg, const actr_ice_callbacks_t *cbs,
                 void *arg, actr_ice_t **out);

/* Starts gathering; candidates arrive through on_candidate. */
int actr_ice_gather(actr_ice_t *ice);

/* The current local credentials (copied into the caller's buffers of the _MAX sizes). */
int actr_ice_local_credentials(actr_ice_t *ice, char *ufrag, char *pwd);

/* Sets the remote credentials. A new ufrag retires the previous one (its candidates will be
 * dropped) and applies the buffered candidates that carry the new one. */
int actr_ice_set_remote_credentials(actr_ice_t *ice, const char *ufrag, const char *pwd);

/* The remote ufrag in use ("" before the remote description). */
const char *actr_ice_remote_ufrag(const actr_ice_t *ice);

/* Adds a trickled or SDP remote candidate with the ufrag it belongs to (required). */
int actr_ice_add_remote_candidate(actr_ice_t *ice, const char *candidate, const char *ufrag,
                                  actr_ice_cand_result_t *result);

/* The remote side signalled end-of-candidates. */
void actr_ice_remote_gathering_done(actr_ice_t *ice);

/* ICE restart (RFC 8445 9): new local credentials, checks start over once the new remote
 * credentials are set; the current pair keeps carrying data meanwhile. The local candidates are
 * announced again through on_candidate with the new ufrag. */
int actr_ice_restart(actr_ice_t *ice);

/* Sends one datagram on the selected pair. Returns 0, ACTR_ESTATE (no pair yet) or ACTR_EIO. */
int actr_ice_send(actr_ice_t *ice, const uint8_t *data, size_t len);

bool actr_ice_has_selected_pair(const actr_ice_t *ice);

/* Fault injection for tests (docs/TESTING-REMOTE.md, remote_webrtc_recover): every transport
 * existing now drops its non-STUN datagrams (DTLS, SCTP, RTP) both ways until its next ICE
 * restart (a local restart or a new remote ufrag), as if the path of the current candidate
 * pair had died. STUN still passes inside libnice, so ICE itself notices nothing: recovery needs
 * a network event (actr_node_network_event()). Any thread. */
void actr_ice_debug_blackhole(void);

/* Counters for tests and diagnostics. */
typedef struct actr_ice_stats {
    uint64_t cand_applied, cand_buffered, cand_dropped_stale, cand_dropped_full, cand_skipped;
    uint64_t datagrams_in, datagrams_out, send_errors;
    int rcvbuf_bytes; /* SO_RCVBUF of the selected socket as the kernel reports it (0: unknown) */
} actr_ice_stats_t;

void actr_ice_get_stats(const actr_ice_t *ice, actr_ice_stats_t *out);

/* Closes the agent (releasing TURN allocations asynchronously through the pump) and frees. No
 * callback runs afterwards. NULL: no-op. */
void actr_ice_free(actr_ice_t *ice);

#endif /* ACTR_WIRE_WEBRTC_ICE_H */
