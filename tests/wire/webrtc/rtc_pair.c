/*
 * rtc_pair.c - two peer connections wired back to back on one loop (see rtc_pair.h).
 */
#include "rtc_pair.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"

static const char *const k_loopback[] = {"127.0.0.1"};

static rtc_side_t *side(void *arg)
{
    return arg;
}

static void on_candidate(void *arg, const char *cand, const char *mid, int mline,
                         const char *ufrag)
{
    rtc_side_t *s = side(arg);
    s->ncand++;
    snprintf(s->last_ufrag, sizeof(s->last_ufrag), "%s", ufrag);
    if (s->hold_candidates) {
        if (s->nheld < 64) {
            s->held[s->nheld] = strdup(cand);
            snprintf(s->held_ufrag[s->nheld], ACTR_ICE_UFRAG_MAX, "%s", ufrag);
            s->nheld++;
        }
        return;
    }
    if (s->other->peer)
        actr_rtc_peer_add_candidate(s->other->peer, cand, mid, mline, ufrag, NULL);
}

void rtc_side_release_candidates(rtc_side_t *s)
{
    for (int i = 0; i < s->nheld; i++) {
        if (s->other->peer)
            actr_rtc_peer_add_candidate(s->other->peer, s->held[i], "0", 0, s->held_ufrag[i], NULL);
        free(s->held[i]);
    }
    s->nheld = 0;
    s->hold_candidates = false;
}

static void on_state(void *arg, actr_rtc_state_t st, int code, const char *why)
{
    (void)why;
    rtc_side_t *s = side(arg);
    s->state = st;
    if (st == ACTR_RTC_FAILED)
        s->fail_code = code;
    if (s->nstates < 32)
        s->states[s->nstates++] = st;
}

static void on_open(void *arg, actr_rtc_lane_t lane)
{
    side(arg)->opened[lane]++;
}

static void on_chan_closed(void *arg, actr_rtc_lane_t lane)
{
    side(arg)->closed_lanes[lane]++;
}

static void on_message(void *arg, actr_rtc_lane_t lane, const uint8_t *d, size_t n, bool binary)
{
    rtc_side_t *s = side(arg);
    if (s->echo)
        actr_rtc_peer_send(s->peer, lane, d, n, binary);
    if (s->nmsgs >= RTC_MAX_MSGS)
        return;
    rtc_msg_t *m = &s->msgs[s->nmsgs++];
    m->lane = lane;
    m->len = n;
    m->binary = binary;
    m->data = malloc(n ? n : 1);
    if (n)
        memcpy(m->data, d, n);
}

static void on_high(void *arg, actr_rtc_lane_t lane)
{
    side(arg)->high[lane]++;
}

static void on_low(void *arg, actr_rtc_lane_t lane)
{
    side(arg)->low[lane]++;
}

static void on_sample(void *arg, const actr_rtp_sample_t *smp)
{
    rtc_side_t *s = side(arg);
    if (s->nsamples > 0 && smp->timestamp > s->last_ts)
        s->ts_in_order++;
    s->nsamples++;
    s->sample_bytes += smp->payload_len;
    s->last_ts = smp->timestamp;
    snprintf(s->last_track, sizeof(s->last_track), "%s", smp->track_id);
    snprintf(s->last_codec, sizeof(s->last_codec), "%s", smp->codec);
    s->last_video = smp->video;
}

static void on_closed(void *arg)
{
    rtc_side_t *s = side(arg);
    s->closed = true;
    s->peer = NULL;
}

static const actr_rtc_peer_callbacks_t k_cbs = {
    .on_candidate = on_candidate,
    .on_state = on_state,
    .on_channel_open = on_open,
    .on_channel_closed = on_chan_closed,
    .on_message = on_message,
    .on_buffered_high = on_high,
    .on_buffered_low = on_low,
    .on_sample = on_sample,
    .on_closed = on_closed,
};

static void on_tick(uv_timer_t *t)
{
    (void)t; /* keeps uv_run(ONCE) returning so deadlines are checked */
}

int rtc_pair_init(rtc_pair_t *pr, const actr_rtc_peer_config_t *cfg_in)
{
    memset(pr, 0, sizeof(*pr));
    uv_loop_init(&pr->loop);
    uv_timer_init(&pr->loop, &pr->tick);
    int rc = actr_rtc_env_new(&pr->loop, &pr->env);
    if (rc != 0)
        return rc;
    actr_rtc_peer_config_t cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        actr_rtc_peer_config_init(&cfg);
    cfg.local_addresses = k_loopback;
    cfg.n_local_addresses = 1;
    pr->a.pair = pr->b.pair = pr;
    pr->a.other = &pr->b;
    pr->b.other = &pr->a;
    pr->a.name = "offerer";
    pr->b.name = "answerer";
    rc = actr_rtc_peer_new(pr->env, true, &cfg, &k_cbs, &pr->a, &pr->a.peer);
    if (rc == 0)
        rc = actr_rtc_peer_new(pr->env, false, &cfg, &k_cbs, &pr->b, &pr->b.peer);
    return rc;
}

bool rtc_run_until(rtc_pair_t *pr, bool (*pred)(rtc_pair_t *), uint32_t ms)
{
    uint64_t end = actr_clock_mono_ms() + ms;
    uv_timer_start(&pr->tick, on_tick, 5, 5);
    bool ok = pred ? pred(pr) : false;
    while (!ok && actr_clock_mono_ms() < end) {
        uv_run(&pr->loop, UV_RUN_ONCE);
        ok = pred ? pred(pr) : false;
    }
    uv_timer_stop(&pr->tick);
    return ok;
}

void rtc_run_for(rtc_pair_t *pr, uint32_t ms)
{
    rtc_run_until(pr, NULL, ms);
}

/* Hands the offer to the answerer and its answer (optionally tampered) back; frees the offer. */
static int exchange(rtc_pair_t *pr, char *offer, void (*tamper)(char *answer))
{
    char *answer = NULL;
    int rc = actr_rtc_peer_set_remote(pr->b.peer, ACTR_SDP_OFFER, offer, strlen(offer), NULL);
    if (rc == 0)
        rc = actr_rtc_peer_create_answer(pr->b.peer, &answer);
    if (rc == 0 && tamper)
        tamper(answer);
    if (rc == 0)
        rc = actr_rtc_peer_set_remote(pr->a.peer, ACTR_SDP_ANSWER, answer, strlen(answer), NULL);
    free(offer);
    free(answer);
    return rc;
}

int rtc_pair_negotiate(rtc_pair_t *pr, void (*tamper)(char *answer))
{
    char *offer = NULL;
    int rc = actr_rtc_peer_create_channel(pr->a.peer, ACTR_RTC_LANE_RPC_RELIABLE);
    if (rc == 0)
        rc = actr_rtc_peer_create_offer(pr->a.peer, &offer);
    for (int l = ACTR_RTC_LANE_RPC_SIGNAL; rc == 0 && l < ACTR_RTC_LANE_COUNT; l++)
        rc = actr_rtc_peer_create_channel(pr->a.peer, (actr_rtc_lane_t)l);
    if (rc != 0) {
        free(offer);
        return rc;
    }
    return exchange(pr, offer, tamper);
}

bool rtc_all_open(rtc_pair_t *pr)
{
    for (int l = 0; l < ACTR_RTC_LANE_COUNT; l++)
        if (!actr_rtc_peer_channel_is_open(pr->a.peer, (actr_rtc_lane_t)l) ||
            !actr_rtc_peer_channel_is_open(pr->b.peer, (actr_rtc_lane_t)l))
            return false;
    return true;
}

bool rtc_pair_connect(rtc_pair_t *pr)
{
    if (rtc_pair_negotiate(pr, NULL) != 0)
        return false;
    return rtc_run_until(pr, rtc_all_open, 10000);
}

int rtc_pair_restart(rtc_pair_t *pr)
{
    char *offer = NULL;
    int rc = actr_rtc_peer_restart_ice(pr->a.peer, &offer);
    return rc == 0 ? exchange(pr, offer, NULL) : rc;
}

void rtc_side_clear_msgs(rtc_side_t *s)
{
    for (int i = 0; i < s->nmsgs; i++)
        free(s->msgs[i].data);
    s->nmsgs = 0;
}

static bool both_closed(rtc_pair_t *pr)
{
    return pr->a.closed && pr->b.closed;
}

int rtc_pair_destroy(rtc_pair_t *pr)
{
    actr_rtc_peer_close(pr->a.peer);
    actr_rtc_peer_close(pr->b.peer);
    rtc_run_until(pr, both_closed, 5000);
    rtc_side_clear_msgs(&pr->a);
    rtc_side_clear_msgs(&pr->b);
    for (int i = 0; i < pr->a.nheld; i++)
        free(pr->a.held[i]);
    for (int i = 0; i < pr->b.nheld; i++)
        free(pr->b.held[i]);
    if (pr->env)
        actr_rtc_env_close(pr->env);
    uv_close((uv_handle_t *)&pr->tick, NULL);
    /* Bounded drain of the close callbacks. */
    for (int i = 0; i < 100 && uv_run(&pr->loop, UV_RUN_NOWAIT); i++)
        ;
    return uv_loop_close(&pr->loop);
}
