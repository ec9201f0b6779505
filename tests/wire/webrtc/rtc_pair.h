/*
 * rtc_pair.h - test harness: two of our peer connections in one process on one uv loop over
 * 127.0.0.1, with signaling done by direct function calls (candidates relayed as they come, or
 * held back for buffering tests), and every callback recorded so tests can assert on it.
 * Every wait is bounded (rtc_run_until: a deadline in ms, polled every few ms).
 */
#ifndef RTC_PAIR_H
#define RTC_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "wire/webrtc/peer.h"

#define RTC_MAX_MSGS 256

typedef struct rtc_msg {
    actr_rtc_lane_t lane;
    uint8_t *data;
    size_t len;
    bool binary;
} rtc_msg_t;

typedef struct rtc_side {
    struct rtc_pair *pair;
    actr_rtc_peer_t *peer;
    struct rtc_side *other;
    const char *name;
    actr_rtc_state_t state;
    int fail_code;
    int nstates;
    actr_rtc_state_t states[32];
    int opened[ACTR_RTC_LANE_COUNT], closed_lanes[ACTR_RTC_LANE_COUNT];
    int high[ACTR_RTC_LANE_COUNT], low[ACTR_RTC_LANE_COUNT];
    int ncand;
    char last_ufrag[ACTR_ICE_UFRAG_MAX];
    bool hold_candidates;  /* keep candidates instead of relaying them */
    char *held[64];
    char held_ufrag[64][ACTR_ICE_UFRAG_MAX];
    int nheld;
    rtc_msg_t msgs[RTC_MAX_MSGS];
    int nmsgs;
    bool echo;             /* send every message back on its lane */
    bool closed;           /* on_closed ran */
    /* media samples received (on_sample) */
    int nsamples;
    uint64_t sample_bytes;
    uint32_t last_ts;
    int ts_in_order;       /* samples whose timestamp was above the previous one */
    char last_track[ACTR_SDP_TOKEN_MAX + 1];
    char last_codec[8];
    int last_video;
} rtc_side_t;

typedef struct rtc_pair {
    uv_loop_t loop;
    uv_timer_t tick;
    actr_rtc_env_t *env;
    rtc_side_t a, b; /* a offers, b answers */
} rtc_pair_t;

/* Sets up the loop and env, creates both peers (not connected). Returns 0 or a code. */
int rtc_pair_init(rtc_pair_t *pr, const actr_rtc_peer_config_t *cfg);

/* Runs the loop until pred(pr) is true or ms elapse; returns pred's last value. */
bool rtc_run_until(rtc_pair_t *pr, bool (*pred)(rtc_pair_t *), uint32_t ms);
void rtc_run_for(rtc_pair_t *pr, uint32_t ms);

/* Offer (with RPC_RELIABLE before it, the other three after), answer; optionally tampers the
 * answer's SDP text with fix(answer) before the offerer applies it. Returns 0 or a code. */
int rtc_pair_negotiate(rtc_pair_t *pr, void (*tamper)(char *answer));

/* Full connect: negotiate and wait (<= 10 s) until the four lanes are open on both sides. */
bool rtc_pair_connect(rtc_pair_t *pr);

/* ICE restart offer/answer round; returns 0 or a code. */
int rtc_pair_restart(rtc_pair_t *pr);

/* Relays a side's held candidates now. */
void rtc_side_release_candidates(rtc_side_t *s);

bool rtc_all_open(rtc_pair_t *pr);

/* Closes both peers, waits for on_closed, closes the env and the loop; returns uv_loop_close(). */
int rtc_pair_destroy(rtc_pair_t *pr);

void rtc_side_clear_msgs(rtc_side_t *s);

#endif /* RTC_PAIR_H */
