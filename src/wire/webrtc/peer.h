/*
 * peer.h - one WebRTC peer connection for data channels (and raw RTP for media): ICE (libnice),
 * DTLS, SCTP and DCEP tied together on the caller's libuv loop, no thread of its own.
 *
 *   actr_rtc_env_t *env;  actr_rtc_env_new(loop, &env);        // once per loop
 *   actr_rtc_peer_t *p;   actr_rtc_peer_new(env, true, &cfg, &cbs, ctx, &p);
 *   actr_rtc_peer_create_channel(p, ACTR_RTC_LANE_RPC_RELIABLE);  // offerer, before the offer
 *   actr_rtc_peer_create_offer(p, &sdp);   ... send it, free(sdp) ...
 *   for the other three lanes: actr_rtc_peer_create_channel(p, lane);
 *   actr_rtc_peer_set_remote(p, ACTR_SDP_ANSWER, answer, len, &err);
 *   actr_rtc_peer_add_candidate(p, cand, mid, mline, ufrag, NULL);   // trickled in
 *   on_channel_open(lane) -> actr_rtc_peer_send(p, lane, data, len, true);
 *   actr_rtc_peer_close(p);   // on_closed follows once every handle is closed
 *
 * The answerer calls actr_rtc_peer_set_remote(OFFER) then actr_rtc_peer_create_answer() and
 * receives the offerer's channels by label (unknown labels are refused with a log line).
 * Roles (spec/protocol.md 7.3): the offerer is ICE-controlling and says setup:actpass; the
 * answerer says setup:active (DTLS client). Data-channel stream ids follow the DTLS role (client
 * even, server odd).
 *
 * Threading: every function on the env's loop thread; every callback runs there. A callback may
 * call any function of this API, actr_rtc_peer_close() included. After actr_rtc_peer_close() no
 * callback but on_closed runs: late libnice signals are disconnected, late usrsctp packets find
 * no registry entry, DTLS timers are stopped, and every path checks the closing flag. After an
 * ICE restart, candidates are announced with the new ufrag only and late remote candidates of
 * the old one are dropped.
 */
#ifndef ACTR_WIRE_WEBRTC_PEER_H
#define ACTR_WIRE_WEBRTC_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "actr/error.h"
#include "wire/webrtc/dcep.h"
#include "wire/webrtc/dtls.h"
#include "wire/webrtc/ice.h"
#include "wire/webrtc/rtp.h"
#include "wire/webrtc/sdp.h"

typedef struct actr_rtc_env actr_rtc_env_t;
typedef struct actr_rtc_peer actr_rtc_peer_t;

typedef enum actr_rtc_state {
    ACTR_RTC_NEW = 0,
    ACTR_RTC_CONNECTING,   /* remote description applied, ICE checking / DTLS handshaking */
    ACTR_RTC_CONNECTED,    /* ICE pair selected and DTLS up (SCTP follows) */
    ACTR_RTC_DISCONNECTED, /* ICE lost the pair after having been connected: restart it */
    ACTR_RTC_FAILED,       /* ICE never connected, DTLS failed (e.g. fingerprint), SCTP lost */
    ACTR_RTC_CLOSED,       /* the remote closed, or actr_rtc_peer_close() */
} actr_rtc_state_t;

const char *actr_rtc_state_name(actr_rtc_state_t st);

typedef struct actr_rtc_peer_config {
    const actr_ice_server_t *ice_servers; /* STUN/TURN from [webrtc] config; TURN credential */
    size_t n_ice_servers;                 /* from the AIS TurnCredential (protocol.md 4.2)   */
    const char *const *local_addresses;   /* gather only these (tests: {"127.0.0.1"}) */
    size_t n_local_addresses;
    uint16_t port_min, port_max;
    bool relay_only;            /* [webrtc].force_relay: TURN candidates only */
    int socket_buffer_bytes;    /* ICE socket SO_RCVBUF/SO_SNDBUF (4 MiB) */
    uint32_t max_message_size;  /* what we accept, announced in SDP (262144) */
    size_t buffered_low;        /* per-lane bufferedAmount low threshold (256 KiB) */
    size_t buffered_high;       /* per-lane high threshold (1 MiB) */
    size_t send_queue_max;      /* bytes queued per connection before EAGAIN (16 MiB) */
} actr_rtc_peer_config_t;

typedef struct actr_rtc_peer_callbacks {
    /* A local candidate to trickle: IceCandidate{candidate, sdp_mid, sdp_mline_index,
     * username_fragment} (spec 3.7). */
    void (*on_candidate)(void *arg, const char *candidate, const char *mid, int mline_index,
                         const char *ufrag);
    /* code/why explain FAILED (ACTR_ESIGNATURE: fingerprint mismatch) and CLOSED; else 0/"". */
    void (*on_state)(void *arg, actr_rtc_state_t state, int code, const char *why);
    void (*on_channel_open)(void *arg, actr_rtc_lane_t lane);
    void (*on_channel_closed)(void *arg, actr_rtc_lane_t lane);
    /* One whole data-channel message (len 0 for an empty one). */
    void (*on_message)(void *arg, actr_rtc_lane_t lane, const uint8_t *data, size_t len,
                       bool binary);
    void (*on_buffered_high)(void *arg, actr_rtc_lane_t lane); /* rose above buffered_high */
    void (*on_buffered_low)(void *arg, actr_rtc_lane_t lane);  /* then fell to buffered_low */
    /* An RTP/RTCP datagram (first byte 128..191), for the media layer. */
    void (*on_rtp)(void *arg, const uint8_t *data, size_t len);
    /* One received media sample (media.c: SRTP-authenticated, resolved to a remote track). The
     * sample and its payload are valid during the call only. */
    void (*on_sample)(void *arg, const actr_rtp_sample_t *sample);
    /* Everything is released: the last callback of this peer. */
    void (*on_closed)(void *arg);
} actr_rtc_peer_callbacks_t;

/* ---- environment (one per loop) ----------------------------------------------------------- */

/* The GLib pump and the SCTP timer for one loop. Returns 0, ACTR_ENOMEM or ACTR_EINTERNAL. */
int actr_rtc_env_new(uv_loop_t *loop, actr_rtc_env_t **out);
uv_loop_t *actr_rtc_env_loop(actr_rtc_env_t *env);
size_t actr_rtc_env_peers(const actr_rtc_env_t *env);
/* Closes the env's handles (async, frees itself). Returns ACTR_ESTATE while peers exist. */
int actr_rtc_env_close(actr_rtc_env_t *env);

/* ---- peer --------------------------------------------------------------------------------- */

void actr_rtc_peer_config_init(actr_rtc_peer_config_t *cfg);

int actr_rtc_peer_new(actr_rtc_env_t *env, bool offerer, const actr_rtc_peer_config_t *cfg,
                      const actr_rtc_peer_callbacks_t *cbs, void *arg, actr_rtc_peer_t **out);

/* Offerer only: a lane's data channel. Opens (DCEP) as soon as SCTP is up. ACTR_EEXIST if it was
 * created, ACTR_ESTATE on the answerer. */
int actr_rtc_peer_create_channel(actr_rtc_peer_t *p, actr_rtc_lane_t lane);

/* Offerer: creates and applies our offer (starts gathering). *sdp is malloc'd. ACTR_ESTATE when
 * an offer is already pending or no channel was created. */
int actr_rtc_peer_create_offer(actr_rtc_peer_t *p, char **sdp);

/* Offerer: ICE restart offer (new credentials); channels stay open. */
int actr_rtc_peer_restart_ice(actr_rtc_peer_t *p, char **sdp);

/* Applies the remote OFFER (answerer; a new ufrag = the remote restarted ICE) or ANSWER
 * (offerer, to our pending offer). ACTR_EPARSE with err filled for bad SDP; ACTR_ESTATE out of
 * order; ACTR_EPROTO for an impossible DTLS role pair or a changed fingerprint. */
int actr_rtc_peer_set_remote(actr_rtc_peer_t *p, actr_sdp_type_t type, const char *sdp, size_t len,
                             actr_error_t *err);

/* Answerer: creates and applies the answer to the applied offer. *sdp is malloc'd. */
int actr_rtc_peer_create_answer(actr_rtc_peer_t *p, char **sdp);

/* A trickled remote candidate. ufrag (username_fragment) is required (spec 7.3): without it the
 * candidate is dropped (ACTR_EINVAL). mid/mline_index are informational with BUNDLE. */
int actr_rtc_peer_add_candidate(actr_rtc_peer_t *p, const char *candidate, const char *mid,
                                int mline_index, const char *ufrag, actr_ice_cand_result_t *res);

/* Sends one message on an open lane. len 0 is an empty message. Returns 0, ACTR_ESTATE (lane not
 * open), ACTR_ETOOBIG (over the remote's max-message-size), ACTR_EAGAIN (queue full). */
int actr_rtc_peer_send(actr_rtc_peer_t *p, actr_rtc_lane_t lane, const uint8_t *data, size_t len,
                       bool binary);

/* Raw RTP/RTCP datagram (already SRTP-protected) on the ICE pair. */
int actr_rtc_peer_send_rtp(actr_rtc_peer_t *p, const uint8_t *data, size_t len);

size_t actr_rtc_peer_buffered(const actr_rtc_peer_t *p, actr_rtc_lane_t lane);
/* Receiver backpressure for the whole connection (actr_sctp_pause_rx); no-op before SCTP. */
void actr_rtc_peer_pause_rx(actr_rtc_peer_t *p, bool paused);
bool actr_rtc_peer_channel_is_open(const actr_rtc_peer_t *p, actr_rtc_lane_t lane);
actr_rtc_state_t actr_rtc_peer_state(const actr_rtc_peer_t *p);
/* The remote's max-message-size (what actr_rtc_peer_send accepts). */
size_t actr_rtc_peer_max_send(const actr_rtc_peer_t *p);
int actr_rtc_peer_srtp_keys(actr_rtc_peer_t *p, actr_dtls_srtp_t *out);

/* Lower-layer counters (tests, benchmarks). Any pointer may be NULL. */
void actr_rtc_peer_stats(const actr_rtc_peer_t *p, actr_ice_stats_t *ice, actr_dtls_stats_t *dtls,
                         void *sctp_stats /* actr_sctp_stats_t * */);

/* Feeds a datagram as if ICE had received it (tests: garbage injection). */
void actr_rtc_peer_inject(actr_rtc_peer_t *p, const uint8_t *data, size_t len);

/* ---- media tracks (media.c; spec/protocol.md 8.7) ------------------------------------------
 * A track added before the offer/answer is in it; one added or removed later needs a new offer
 * on the same ICE/DTLS transport: actr_rtc_peer_renegotiate() (either side; the remote answers,
 * applied with actr_rtc_peer_set_remote(ANSWER)). Sections keep their order and mids; a removed
 * track's section turns recvonly. One sample = one SRTP packet (no packetization). */

typedef struct actr_rtc_media_stats {
    uint64_t tx_packets, tx_bytes, tx_errors;
    uint64_t rx_packets, rx_bytes; /* delivered samples and their payload bytes */
    uint64_t rx_rtcp;              /* authenticated RTCP (not interpreted) */
    uint64_t rx_garbage;           /* not RTP/RTCP, short, malformed header, oversized */
    uint64_t rx_no_keys;           /* before DTLS gave SRTP keys */
    uint64_t rx_auth_failed;       /* SRTP/SRTCP authentication failed */
    uint64_t rx_replayed;          /* SRTP replay window */
    uint64_t rx_unknown_track;     /* SSRC/payload type of no remote track */
} actr_rtc_media_stats_t;

/* codec VP8/H264/OPUS, track_id non-empty without spaces (<= 64 chars). Returns 0, ACTR_EINVAL,
 * ACTR_EEXIST, ACTR_ERANGE (more than ACTR_SDP_MAX_TRACKS), ACTR_ESTATE (closing). */
int actr_rtc_peer_add_track(actr_rtc_peer_t *p, actr_sdp_codec_id_t codec, const char *track_id);
/* Returns 0 or ACTR_ENOTFOUND. */
int actr_rtc_peer_remove_track(actr_rtc_peer_t *p, const char *track_id);
/* Tracks changed since our last description of an established session. */
bool actr_rtc_peer_needs_renegotiation(const actr_rtc_peer_t *p);
/* A renegotiation offer (same ICE credentials and DTLS) from either side of an established
 * session. ACTR_ESTATE without a remote description or with an offer/answer in progress. */
int actr_rtc_peer_renegotiate(actr_rtc_peer_t *p, char **sdp);
/* Abandons our unanswered renegotiation offer (glare, timeout): back to stable, the tracks
 * stay marked as changed so a later actr_rtc_peer_renegotiate() offers them again. */
void actr_rtc_peer_rollback(actr_rtc_peer_t *p);
/* One sample as one RTP packet on a negotiated track. Returns 0, ACTR_ENOTFOUND (no such
 * track), ACTR_ESTATE (not negotiated yet or DTLS/SRTP not up), ACTR_ETOOBIG, ACTR_EINVAL. */
int actr_rtc_peer_send_sample(actr_rtc_peer_t *p, const char *track_id, uint32_t timestamp,
                              const uint8_t *data, size_t len);
void actr_rtc_peer_media_stats(const actr_rtc_peer_t *p, actr_rtc_media_stats_t *out);

/* Closes (SCTP ABORT, DTLS close_notify, ICE agent) and frees asynchronously; on_closed runs
 * at the end. Safe inside callbacks. NULL or twice: no-op. */
void actr_rtc_peer_close(actr_rtc_peer_t *p);

#endif /* ACTR_WIRE_WEBRTC_PEER_H */
