/*
 * coordinator_restart.c - ICE restart and health of the coordinator's ready peers (protocol.md
 * 7.4; docs/WEBRTC-COORDINATOR.md, "ICE restart and health"): only the offerer restarts (on ICE
 * trouble, on the answerer's ice_restart_request, or when forced), with the 7.4 retry schedule;
 * the answerer asks. The tick confirms restarts and closes long-failed peers. Set-up (role
 * negotiation, offer/answer, readiness) stays in coordinator.c.
 */
#include "wire/webrtc/coordinator_internal.h"

#include <stdlib.h>

#include "actr/log.h"
#include "base/clock.h"

#define RESTART_TIMEOUT_MS 6000  /* one ICE restart attempt */
#define RESTART_MAX 10
#define RESTART_CAP_MS 60000
#define RESTART_MIN_GAP_MS 2000
#define FAILED_CLOSE_MS 60000
#define DISCONNECTED_CLOSE_MS 90000

static void restart_offer(actr_rtc_coord_t *c, rpeer_t *p, uint64_t now)
{
    char *sdp = NULL;
    p->restart_attempts++;
    p->last_offer = now;
    p->restart_answered = false;
    p->restart_cands = p->cands_in;
    p->deadline = now + RESTART_TIMEOUT_MS;
    int rc = actr_rtc_peer_restart_ice(p->pc, &sdp);
    if (rc == 0) {
        actr_rtc_coord_new_exchange_id(p->exchange_id);
        p->offer_pending = true;
        rc = actr_rtc_coord_relay_sdp(c, p, WEBRTC__SESSION_DESCRIPTION__TYPE__ICE_RESTART_OFFER,
                                      sdp, p->exchange_id);
        free(sdp);
    }
    if (rc == 0)
        c->stats.restart_offers++;
    actr_log(ACTR_LOG_INFO, "webrtc", "ICE restart offer", ACTR_KV("peer", p->key),
             ACTR_KV("result", rc == 0 ? "sent" : actr_strerror(rc)));
}

static void restart_begin(actr_rtc_coord_t *c, rpeer_t *p, uint64_t now)
{
    if (!p->pc || !p->offerer)
        return;
    if (p->restarting) {
        /* A request while one runs: the next attempt now, within the minimum gap. */
        p->restart_next = p->last_offer + RESTART_MIN_GAP_MS;
        return;
    }
    p->restarting = true;
    p->restart_attempts = 0;
    p->restart_started = now;
    /* At least 2 s between restart offers (spec 7.4). */
    p->restart_next = p->last_offer && now < p->last_offer + RESTART_MIN_GAP_MS
                          ? p->last_offer + RESTART_MIN_GAP_MS
                          : now;
    p->deadline = 0;
}

void actr_rtc_coord_restart_begin(actr_rtc_coord_t *c, rpeer_t *p)
{
    restart_begin(c, p, actr_clock_mono_ms());
}

void actr_rtc_coord_restart_done(actr_rtc_coord_t *c, rpeer_t *p)
{
    p->restarting = false;
    p->restart_answered = false;
    p->deadline = 0;
    p->recovering = false;
    c->stats.restarts_done++;
    actr_log(ACTR_LOG_INFO, "webrtc", "ICE restart done", ACTR_KV("peer", p->key));
    if (p->phase == P_READY)
        actr_rtc_coord_emit(c, p, ACTR_RTC_COORD_CONNECTED);
}

void actr_rtc_coord_request_restart(actr_rtc_coord_t *c, rpeer_t *p, const char *reason)
{
    Actr__IceRestartRequest req = ACTR__ICE_RESTART_REQUEST__INIT;
    req.reason = (char *)reason;
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ICE_RESTART_REQUEST;
    r.ice_restart_request = &req;
    int rc = actr_rtc_coord_relay(c, p, &r);
    if (rc == 0)
        c->stats.restart_requests++;
    actr_log(ACTR_LOG_INFO, "webrtc", "ICE restart request sent", ACTR_KV("peer", p->key),
             ACTR_KV("reason", reason), ACTR_KV("result", rc == 0 ? "sent" : actr_strerror(rc)));
}

void actr_rtc_coord_restart_on_state(actr_rtc_coord_t *c, rpeer_t *p, actr_rtc_state_t st,
                                     uint64_t now)
{
    switch (st) {
    case ACTR_RTC_CONNECTED:
        if (p->restarting && p->restart_answered)
            p->restart_check = true; /* the tick confirms once new candidates came */
        break;
    case ACTR_RTC_DISCONNECTED:
    case ACTR_RTC_FAILED:
        if (p->phase != P_READY)
            break; /* never connected: the initial budget decides */
        actr_rtc_coord_emit(c, p, ACTR_RTC_COORD_RECOVERING);
        if (c->offline) {
            p->recovering = true; /* no restart without a network: the Restore does it */
            break;
        }
        if (p->offerer) {
            if (!p->restarting)
                restart_begin(c, p, now);
        } else {
            actr_rtc_coord_request_restart(c, p, st == ACTR_RTC_FAILED ? "ice_failed"
                                                                        : "ice_disconnected");
        }
        break;
    default:
        break;
    }
}

int actr_rtc_coord_restart_ice(actr_rtc_coord_t *c, const actr_id_t *peer)
{
    rpeer_t *p = c ? actr_rtc_coord_find(c, peer) : NULL;
    if (!p || !p->pc || p->phase != P_READY)
        return ACTR_ESTATE;
    if (p->offerer)
        restart_begin(c, p, actr_clock_mono_ms());
    else
        actr_rtc_coord_request_restart(c, p, "requested");
    return 0;
}

/* ---- the tick for a ready peer ---- */

/* Answerer: the restart offer was answered (the offerer's new-generation candidates may come
 * before it, so they are not counted) and ICE is connected: a recovering peer is connected
 * again. */
static void tick_answered(actr_rtc_coord_t *c, rpeer_t *p)
{
    if (!p->answer_check || !p->pc || actr_rtc_peer_state(p->pc) != ACTR_RTC_CONNECTED)
        return;
    p->answer_check = false;
    if (p->recovering)
        actr_rtc_coord_restart_done(c, p);
}

static void tick_restart(actr_rtc_coord_t *c, rpeer_t *p, uint64_t now)
{
    /* Done: the answer is applied, the answerer's new-generation candidates came and ICE is
     * connected (libnice may stay connected through a restart, so no state change is needed). */
    if (p->restart_check && p->cands_in > p->restart_cands &&
        actr_rtc_peer_state(p->pc) == ACTR_RTC_CONNECTED) {
        p->restart_check = false;
        actr_rtc_coord_restart_done(c, p);
        return;
    }
    if (now - p->restart_started > RESTART_CAP_MS || p->restart_attempts >= RESTART_MAX) {
        if (p->deadline && now < p->deadline)
            return;
        actr_rtc_coord_peer_free(c, p, ACTR_EUNAVAILABLE, "ICE restart gave up");
        return;
    }
    if (p->deadline && now >= p->deadline) {
        /* This attempt timed out: back off 1 s, 2 s, 4 s, capped at 5 s. */
        uint64_t back = 1000ull << (p->restart_attempts > 3 ? 3 : p->restart_attempts - 1);
        p->deadline = 0;
        p->restart_next = now + (back > 5000 ? 5000 : back);
    }
    if (!p->deadline && now >= p->restart_next)
        restart_offer(c, p, now);
}

void actr_rtc_coord_tick_ready(actr_rtc_coord_t *c, rpeer_t *p, uint64_t now, bool health)
{
    if (p->restarting) {
        tick_restart(c, p, now);
        return;
    }
    tick_answered(c, p);
    actr_rtc_coord_media_tick(c, p, now);
    /* Health check (spec 7.4): long-failed or long-disconnected peers are closed. */
    if (health && ((p->st == ACTR_RTC_FAILED && now - p->st_since > FAILED_CLOSE_MS) ||
                   (p->st == ACTR_RTC_DISCONNECTED && now - p->st_since > DISCONNECTED_CLOSE_MS)))
        actr_rtc_coord_peer_free(c, p, ACTR_EUNAVAILABLE, "health check");
}
