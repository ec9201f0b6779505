/*
 * coordinator.h - the node's WebRTC coordinator (spec: protocol.md 7.3-7.4, 8.1-8.2; runtime.md
 * 3.4): one peer connection per remote actor, set up through signaling relays. It negotiates
 * roles (RoleNegotiation / RoleAssignment, single flight per peer), exchanges offer and answer
 * with sdp_exchange_id matching, trickles ICE candidates both ways, applies the readiness rule
 * with the 10 s initial budget, restarts ICE (offerer only, the 7.4 retry schedule; the answerer
 * asks with ice_restart_request), closes long-failed peers, frames every data-channel message
 * with the 8-byte lane header and hands whole inbound messages to its owner.
 * docs/WEBRTC-COORDINATOR.md describes the rules and states.
 *
 * Threading: everything on the loop given to actr_rtc_coord_new(); every callback runs there.
 * The header exposes no peer-core types on purpose: the node's config header has its own
 * actr_ice_server_t, so the two must not meet in one translation unit.
 */
#ifndef ACTR_WIRE_WEBRTC_COORDINATOR_H
#define ACTR_WIRE_WEBRTC_COORDINATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "actr/buf.h"
#include "actr/media.h"
#include "actr/types.h"
#include "wire/signaling/client.h"

typedef struct actr_rtc_coord actr_rtc_coord_t;

/* Lanes carried by data channels: the same numbers as ACTR_RTC_LANE_* and ACTR_WS_*. */
#define ACTR_RTC_COORD_LANE_RPC_RELIABLE 0
#define ACTR_RTC_COORD_LANE_RPC_SIGNAL 1
#define ACTR_RTC_COORD_LANES 4
#define ACTR_RTC_COORD_MAX_URLS 8 /* ICE server URLs kept */

typedef enum actr_rtc_coord_event {
    ACTR_RTC_COORD_CONNECTING = 0, /* a connection attempt started (offer sent or received) */
    ACTR_RTC_COORD_CONNECTED,      /* RPC_RELIABLE is open: sends go over WebRTC */
    ACTR_RTC_COORD_RECOVERING,     /* ICE lost the pair; an ICE restart is under way */
    ACTR_RTC_COORD_DISCONNECTED,   /* the peer connection is gone (closed, failed, timed out) */
    ACTR_RTC_COORD_PATH_LOST,      /* the network went away (a network event): the connection is
                                    * kept for an ICE restart once the network is back */
} actr_rtc_coord_event_t;

typedef struct actr_rtc_coord_config {
    actr_id_t self;
    uint32_t realm_id;
    /* ICE servers: "stun:host:port" / "turn:host:port?transport=udp". TURN entries get the
     * AIS TurnCredential below (actr_rtc_coord_set_turn() replaces it after a renewal). */
    const char *const *ice_urls;
    size_t n_ice_urls;
    const char *turn_username;
    const char *turn_password;
    /* Host candidates only from these addresses (tests: {"127.0.0.1"}); none = all. */
    const char *const *local_addresses;
    size_t n_local_addresses;
    uint16_t port_min, port_max;  /* 0 = any */
    bool relay_only;              /* [webrtc].force_relay: TURN candidates only */
    uint32_t role_timeout_ms;     /* wait for RoleAssignment (5000) */
    uint32_t initial_timeout_ms;  /* offer/answer to RPC_RELIABLE open (10000) */
    uint32_t health_interval_ms;  /* health check period (10000) */
    uint32_t max_peers;           /* peer connections at once (64) */
    uint32_t max_queued;          /* messages queued per connecting peer (256) */
    /* Tests: relays go here instead of to signaling (sigc may then be NULL). The coordinator
     * fills target; 0 or an ACTR_E* code. */
    int (*send_relay)(void *arg, Signaling__ActrRelay *relay);
    void *send_relay_arg;
} actr_rtc_coord_config_t;

void actr_rtc_coord_config_init(actr_rtc_coord_config_t *cfg);

/* The fate of a message actr_rtc_coord_send() accepted: rc 0 when it went out, else why it was
 * dropped (the connection failed or closed first). */
typedef void (*actr_rtc_coord_done_cb)(void *arg, int rc);

typedef struct actr_rtc_coord_callbacks {
    /* One whole inbound message (lane framing removed); the callee owns msg. */
    void (*on_message)(void *ud, const actr_id_t *peer, int lane, actr_buf_t msg);
    /* Connection life of a peer; relayed: -1 unknown, 0 direct, 1 TURN. */
    void (*on_event)(void *ud, const actr_id_t *peer, actr_rtc_coord_event_t ev);
    /* One media sample of a remote track (media_coord.c); valid during the call only. */
    void (*on_sample)(void *ud, const actr_id_t *peer, const char *track_id,
                      const actr_media_sample_t *sample);
    void *userdata;
} actr_rtc_coord_callbacks_t;

typedef struct actr_rtc_coord_stats {
    uint64_t negotiations;    /* RoleNegotiation relays sent */
    uint64_t offers;          /* initial offers sent */
    uint64_t answers;         /* answers sent */
    uint64_t ready;           /* peer connections that became ready */
    uint64_t restart_offers;  /* ICE restart offers sent */
    uint64_t restarts_done;   /* restarts that ended connected */
    uint64_t restart_requests;/* ice_restart_request relays sent (answerer) */
    uint64_t candidates_out, candidates_in;
    uint64_t msgs_out, msgs_in; /* whole messages on data channels */
    uint64_t dropped;         /* queued messages dropped (connection failed or closed) */
    uint64_t closed;          /* peer connections closed (any reason) */
    uint32_t peers;           /* peer connections now */
} actr_rtc_coord_stats_t;

/* Creates the coordinator; sigc is borrowed (outlives it; NULL only with cfg->send_relay). Returns 0, ACTR_EINVAL, ACTR_ENOMEM,
 * ACTR_EINTERNAL (no WebRTC environment). */
int actr_rtc_coord_new(uv_loop_t *loop, actr_sigc_t *sigc, const actr_rtc_coord_config_t *cfg,
                       const actr_rtc_coord_callbacks_t *cbs, actr_rtc_coord_t **out);

/* Closes every peer connection and frees the coordinator asynchronously: done(arg) runs on the
 * loop once everything is released. No other callback runs after this call. NULL: no-op. */
void actr_rtc_coord_close(actr_rtc_coord_t *c, void (*done)(void *arg), void *arg);

/* A relay from signaling (the client's on_unsolicited). Ignores what is not for WebRTC. */
void actr_rtc_coord_on_relay(actr_rtc_coord_t *c, const Signaling__ActrRelay *relay);

/* Starts a connection to peer (role negotiation) unless one exists. 0 or ACTR_E*. */
int actr_rtc_coord_connect(actr_rtc_coord_t *c, const actr_id_t *peer);

/* Whether sends to peer go over WebRTC right now. */
bool actr_rtc_coord_ready(const actr_rtc_coord_t *c, const actr_id_t *peer);

/* Whether peer's RPC_RELIABLE channel is open, even while ICE restarts (replies use it). */
bool actr_rtc_coord_channel_open(const actr_rtc_coord_t *c, const actr_id_t *peer);

/* Whether a connection to peer exists in any state (negotiating, connecting, ready). */
bool actr_rtc_coord_known(const actr_rtc_coord_t *c, const actr_id_t *peer);

/* Pauses or resumes reading from peer's connection (peer NULL: every peer), for a receiver that
 * holds too much (actr_rtc_peer_pause_rx). Loop thread. */
void actr_rtc_coord_pause_rx(actr_rtc_coord_t *c, const actr_id_t *peer, bool paused);

/*
 * Sends msg on lane to peer: at once when ready, else queued while the connection is being set
 * up (started here if needed). When this returns 0, done (optional) runs exactly once: inside
 * this call when the message went out at once, later for a queued one. Returns 0 (sent or
 * queued), ACTR_EAGAIN (queue full), ACTR_ETOOBIG, ACTR_EUNAVAILABLE (cannot connect: too many
 * peers, signaling down), ACTR_ECLOSED; done does not run then.
 */
int actr_rtc_coord_send(actr_rtc_coord_t *c, const actr_id_t *peer, int lane,
                        const actr_buf_t *msg, actr_rtc_coord_done_cb done, void *done_arg);

/* Forces an ICE restart towards peer (the offerer restarts, the answerer requests one). */
int actr_rtc_coord_restart_ice(actr_rtc_coord_t *c, const actr_id_t *peer);

/*
 * Network events (runtime.md 12.7; src/lifecycle/network_event.c decides the action).
 * network_lost (Offline): every ready peer is marked recovering (PATH_LOST is reported) and
 * pending ICE restarts are cleared: no restart offer (nor ice_restart_request) goes out, also
 * on later ICE failures, until network_restore.
 * network_restore (Restore): every ready peer restarts ICE (the offerer restarts with the 7.4
 * schedule, the answerer sends ice_restart_request "network_changed"), reported as RECOVERING,
 * then CONNECTED once the restart is through. Call it with signaling connected. Returns the
 * number of peers asked to restart.
 */
void actr_rtc_coord_network_lost(actr_rtc_coord_t *c);
uint32_t actr_rtc_coord_network_restore(actr_rtc_coord_t *c);

/* Tests: the data path of every ICE transport in the process dies until its next ICE restart
 * (actr_ice_debug_blackhole(), wire/webrtc/ice.h). Any thread. */
void actr_rtc_coord_debug_blackhole(void);

/* Closes the connection to one peer (or all when peer is NULL), e.g. after a hard rebind. */
void actr_rtc_coord_drop_peer(actr_rtc_coord_t *c, const actr_id_t *peer);

/* After a hard rebind: our new id; every peer connection is closed. */
void actr_rtc_coord_set_self(actr_rtc_coord_t *c, const actr_id_t *self);

/* The TURN credential from the AIS grant in force (copied; used by new connections). */
void actr_rtc_coord_set_turn(actr_rtc_coord_t *c, const char *username, const char *password);

void actr_rtc_coord_stats(const actr_rtc_coord_t *c, actr_rtc_coord_stats_t *out);

/* ---- media (media_coord.c; spec 7.4 and 8.7) ----
 * A track towards peer: connects if needed; a ready connection is renegotiated (our
 * RENEGOTIATION_OFFER, answered with the same sdp_exchange_id) on the next tick. codec is an
 * actr_sdp_codec_id_t (VP8 1, H264 2, OPUS 3). Tracks survive a replaced peer connection.
 * Returns 0, ACTR_EINVAL, ACTR_EEXIST, ACTR_ERANGE, ACTR_EUNAVAILABLE. */
int actr_rtc_coord_add_track(actr_rtc_coord_t *c, const actr_id_t *peer, const char *track_id,
                             int codec);
int actr_rtc_coord_remove_track(actr_rtc_coord_t *c, const actr_id_t *peer, const char *track_id);
/* One sample as one RTP packet. ACTR_ENOTFOUND (no such track), ACTR_ESTATE (not negotiated or
 * not connected yet), ACTR_ETOOBIG. */
int actr_rtc_coord_send_sample(actr_rtc_coord_t *c, const actr_id_t *peer, const char *track_id,
                               uint32_t timestamp, const uint8_t *data, size_t len);

#endif /* ACTR_WIRE_WEBRTC_COORDINATOR_H */
