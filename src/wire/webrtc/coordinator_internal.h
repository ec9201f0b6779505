/* coordinator_internal.h - the structs behind coordinator.h, shared by coordinator*.c. */
#ifndef ACTR_WIRE_WEBRTC_COORDINATOR_INTERNAL_H
#define ACTR_WIRE_WEBRTC_COORDINATOR_INTERNAL_H

#include "base/uuid.h"
#include "platform/ais/grant.h"
#include "transport/lane.h"
#include "wire/webrtc/coordinator.h"
#include "wire/webrtc/peer.h"

#define ACTR_RTC_COORD_MAX_ADDRS 8

typedef enum peer_phase {
    P_NEGOTIATING = 0, /* RoleNegotiation sent, waiting for the assignment */
    P_WAIT_OFFER,      /* assigned answerer: waiting for the offer */
    P_CONNECTING,      /* offer/answer exchanged, RPC_RELIABLE not open yet */
    P_READY,           /* RPC_RELIABLE open */
} peer_phase_t;

typedef struct rpeer rpeer_t;

/* The callback argument of one peer connection; peer is NULL once it was replaced. */
typedef struct link {
    actr_rtc_coord_t *c;
    rpeer_t *peer;
} link_t;

/* A message waiting for the connection to become ready. */
typedef struct queued {
    actr_buf_t msg;
    int lane;
    actr_rtc_coord_done_cb done;
    void *done_arg;
} queued_t;

struct rpeer {
    rpeer_t *next;
    actr_rtc_coord_t *c;
    actr_id_t id;
    char key[ACTR_ID_STR_SIZE];
    peer_phase_t phase;
    bool offerer;
    bool hooked;    /* CONNECTED was reported: DISCONNECTED follows */
    bool initiated; /* we asked for this connection (connect/send) */
    uint64_t session;
    actr_rtc_peer_t *pc;
    link_t *link;
    actr_rtc_state_t st;
    uint64_t st_since;
    uint64_t deadline; /* monotonic ms of the current step's end; 0 = none */
    char exchange_id[ACTR_UUID_STR_LEN + 1];
    bool offer_pending;
    /* ICE restart (offerer) */
    bool restarting, restart_answered, restart_check;
    uint32_t restart_attempts;
    uint64_t restart_started, restart_next, last_offer;
    uint64_t cands_in, restart_cands; /* remote candidates: total, and at the restart offer */
    /* recovery after a network event (actr_rtc_coord_network_*) */
    bool recovering;   /* PATH_LOST or RECOVERING reported, CONNECTED not yet */
    bool answer_check; /* answerer: a restart offer was answered; the tick confirms it */
    /* lanes */
    actr_lane_tx_t tx[ACTR_RTC_COORD_LANES];
    actr_lane_rx_t *rx[ACTR_RTC_COORD_LANES];
    queued_t *queue;
    uint32_t nqueue;
    /* media_coord.c: our tracks towards this peer, our renegotiation in flight (NULL: none) */
    struct coord_media *media;
};

/* A peer whose connection attempts failed: no new attempt from us before until_ms. */
#define ACTR_RTC_COORD_COOLDOWNS 16
typedef struct cooldown {
    actr_id_t id;
    uint64_t until_ms;
    uint32_t fails; /* consecutive; the wait doubles from 5 s up to 60 s */
} cooldown_t;

struct actr_rtc_coord {
    cooldown_t cool[ACTR_RTC_COORD_COOLDOWNS];
    actr_rtc_coord_config_t cfg;
    char *urls[ACTR_RTC_COORD_MAX_URLS];
    char *addrs[ACTR_RTC_COORD_MAX_ADDRS];
    char turn_user[ACTR_AIS_TURN_USERNAME_SIZE];
    char turn_pass[ACTR_AIS_TURN_PASSWORD_SIZE];
    actr_rtc_coord_callbacks_t cbs;
    uv_loop_t *loop;
    actr_sigc_t *sigc;
    actr_rtc_env_t *env;
    uv_timer_t tick;
    bool tick_open;
    uint64_t next_health;
    rpeer_t *peers;
    uint32_t npeers;
    uint32_t pcs; /* peer connections not yet closed (their on_closed pending) */
    uint64_t next_session;
    actr_rtc_coord_stats_t stats;
    bool closing, finished;
    bool offline; /* network_lost until network_restore: ICE failures start no restart */
    void (*done)(void *);
    void *done_arg;
};

/* coordinator.c */
rpeer_t *actr_rtc_coord_find(const actr_rtc_coord_t *c, const actr_id_t *id);
void actr_rtc_coord_peer_free(actr_rtc_coord_t *c, rpeer_t *p, int rc, const char *why);
void actr_rtc_coord_emit(actr_rtc_coord_t *c, rpeer_t *p, actr_rtc_coord_event_t ev);
void actr_rtc_coord_maybe_finish(actr_rtc_coord_t *c);
/* Sends one relay to the peer through signaling. */
int actr_rtc_coord_relay(actr_rtc_coord_t *c, rpeer_t *p, Signaling__ActrRelay *r);
void actr_rtc_coord_new_exchange_id(char out[ACTR_UUID_STR_LEN + 1]);

/* coordinator_restart.c: ICE restart and health of ready peers */
void actr_rtc_coord_restart_done(actr_rtc_coord_t *c, rpeer_t *p);
void actr_rtc_coord_restart_begin(actr_rtc_coord_t *c, rpeer_t *p); /* offerer, from now */
void actr_rtc_coord_request_restart(actr_rtc_coord_t *c, rpeer_t *p, const char *reason);
/* A ready peer's ICE state changed: starts (offerer) or asks for (answerer) a restart. */
void actr_rtc_coord_restart_on_state(actr_rtc_coord_t *c, rpeer_t *p, actr_rtc_state_t st,
                                     uint64_t now);
/* Per tick for a ready peer: restart attempts, answered restarts, media, health check. */
void actr_rtc_coord_tick_ready(actr_rtc_coord_t *c, rpeer_t *p, uint64_t now, bool health);

/* media_coord.c */
/* The peer connection's on_sample (arg is its link_t). */
void actr_rtc_coord_media_on_sample(void *arg, const actr_rtp_sample_t *s);
/* A fresh peer connection for p: gives it p's tracks, forgets a renegotiation in flight. */
void actr_rtc_coord_media_attach(rpeer_t *p);
/* A RENEGOTIATION_OFFER for an existing connection: answered here. */
void actr_rtc_coord_media_on_offer(actr_rtc_coord_t *c, rpeer_t *p,
                                   const Webrtc__SessionDescription *d);
/* An ANSWER: true when it answered our renegotiation (consumed). */
bool actr_rtc_coord_media_on_answer(actr_rtc_coord_t *c, rpeer_t *p,
                                    const Webrtc__SessionDescription *d);
/* Per tick for a ready peer: sends a renegotiation offer when tracks changed. */
void actr_rtc_coord_media_tick(actr_rtc_coord_t *c, rpeer_t *p, uint64_t now);
void actr_rtc_coord_media_free(rpeer_t *p);
/* coordinator.c, for media_coord.c */
int actr_rtc_coord_relay_sdp(actr_rtc_coord_t *c, rpeer_t *p, int type, const char *sdp,
                             const char *exchange_id);

/* coordinator_io.c */
void actr_rtc_coord_on_frame(actr_rtc_coord_t *c, rpeer_t *p, int lane, const uint8_t *data,
                             size_t len);
void actr_rtc_coord_queue_flush(actr_rtc_coord_t *c, rpeer_t *p);
void actr_rtc_coord_queue_fail(actr_rtc_coord_t *c, rpeer_t *p, int rc);
void actr_rtc_coord_free_strings(actr_rtc_coord_t *c);

#endif /* ACTR_WIRE_WEBRTC_COORDINATOR_INTERNAL_H */
