/*
 * peer_internal.h - the peer connection object shared by peer.c (life cycle, SDP, ICE, DTLS)
 * and peer_dc.c (SCTP association and DCEP data channels).
 */
#ifndef ACTR_WIRE_WEBRTC_PEER_INTERNAL_H
#define ACTR_WIRE_WEBRTC_PEER_INTERNAL_H

#include "wire/webrtc/gpump.h"
#include "wire/webrtc/peer.h"
#include "wire/webrtc/sctp.h"

#define PEER_LOG "webrtc"

struct actr_rtc_env {
    uv_loop_t *loop;
    actr_gpump_t *pump;
    actr_sctp_host_t *sctp;
    size_t peers;
};

typedef enum chan_state {
    CHAN_NONE = 0,
    CHAN_PENDING, /* created by the offerer, waits for SCTP */
    CHAN_OPENING, /* DCEP OPEN sent, waiting for the ACK */
    CHAN_OPEN,
    CHAN_CLOSED,
} chan_state_t;

typedef struct chan {
    chan_state_t state;
    int sid; /* -1 before it has one */
    bool unordered;
    int max_rexmit;
} chan_t;

typedef enum sig_state {
    SIG_STABLE = 0,
    SIG_HAVE_LOCAL_OFFER,
    SIG_HAVE_REMOTE_OFFER,
} sig_state_t;

typedef struct actr_rtc_media actr_rtc_media_t;

struct actr_rtc_peer {
    actr_rtc_env_t *env;
    bool offerer;
    actr_rtc_peer_config_t cfg;
    actr_rtc_peer_callbacks_t cbs;
    void *arg;
    actr_ice_t *ice;
    actr_dtls_t *dtls;
    actr_sctp_t *sctp;
    actr_rtc_state_t state;
    sig_state_t sig;
    /* closing: set by actr_rtc_peer_close(); from then on no user callback runs (every
     * callback path checks it) and the layers are torn down on a zero timer. */
    bool gathering, ever_connected, dtls_started, closing;
    /* what we keep of the descriptions: our last SDP text (the base of a restart offer) and the
     * remote transport parameters */
    char *local_sdp;
    uint64_t session_id, session_version;
    actr_sdp_setup_t local_setup;
    char mid[ACTR_SDP_TOKEN_MAX + 1];
    int mline_index;
    bool have_remote;
    uint8_t remote_fp[ACTR_SDP_FINGERPRINT_LEN];
    uint16_t remote_sctp_port;
    uint32_t remote_max_message;
    actr_sdp_setup_t remote_setup;
    actr_sdp_t *pending_offer; /* the remote offer between set_remote and create_answer */
    chan_t chans[ACTR_RTC_LANE_COUNT];
    int8_t sid_lane[ACTR_SCTP_STREAMS]; /* -1 or the lane using that stream */
    uv_timer_t close_timer;
    int pending_closes; /* handles still closing (the close timer, DTLS) */
    /* media.c: tracks, SRTP, demux (NULL while the session has no media) */
    actr_rtc_media_t *media;
    bool dtls_client;  /* our DTLS role once started (answers to renegotiation keep it) */
    bool reoffer;      /* our pending offer is a renegotiation (either role may send one) */
};

/* peer.c: state change with the callback. */
void actr_rtc_peer_set_state(actr_rtc_peer_t *p, actr_rtc_state_t st, int code, const char *why);

/* peer_dc.c */
void actr_rtc_dc_init(actr_rtc_peer_t *p);
/* DTLS is up: create the association and connect. */
int actr_rtc_dc_start(actr_rtc_peer_t *p);
/* Opens the channels waiting for SCTP (after COMM_UP or when created later). */
void actr_rtc_dc_open_pending(actr_rtc_peer_t *p);
/* DTLS delivered an SCTP packet. */
void actr_rtc_dc_input(actr_rtc_peer_t *p, const uint8_t *data, size_t len);

/* media.c */
void actr_rtc_media_free(actr_rtc_peer_t *p);
/* Our tracks into the builder parameters. */
void actr_rtc_media_local_params(actr_rtc_peer_t *p, actr_sdp_local_t *l);
/* Our new local description: bind each track's sender to its negotiated payload type. */
void actr_rtc_media_local_adopted(actr_rtc_peer_t *p, const actr_sdp_t *desc);
/* A new remote description: rebuild the receive demux. */
void actr_rtc_media_remote(actr_rtc_peer_t *p, const actr_sdp_t *desc);
/* DTLS is up: SRTP contexts from the exporter. */
void actr_rtc_media_dtls_up(actr_rtc_peer_t *p);
/* An RTP/RTCP datagram from ICE. */
void actr_rtc_media_input(actr_rtc_peer_t *p, const uint8_t *d, size_t n);

#endif /* ACTR_WIRE_WEBRTC_PEER_INTERNAL_H */
