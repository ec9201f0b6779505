/*
 * coordinator.c - peer connections to other actors set up through signaling relays
 * (protocol.md 7.3-7.4): the per-peer state machine, relays in and out and readiness. ICE
 * restarts and the health check are in coordinator_restart.c, the lane framing of data-channel
 * messages in coordinator_io.c.
 *
 * Timing is driven by one repeating tick timer that looks at each peer's deadline, so a peer
 * owns no libuv handle and can be freed at once. Each peer connection gets a small "link" as
 * its callback argument: replacing or dropping a connection detaches the link first, so a late
 * callback of an old connection (session/generation guard) finds no peer and does nothing.
 */
#include "wire/webrtc/coordinator_internal.h"

#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "base/uuid.h"
#include "platform/ais/id_pb.h"

#define TICK_MS 200

void actr_rtc_coord_config_init(actr_rtc_coord_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->role_timeout_ms = 5000;
    cfg->initial_timeout_ms = 10000;
    cfg->health_interval_ms = 10000;
    cfg->max_peers = 64;
    cfg->max_queued = 256;
}

/* ---- failed attempts: back off before trying the same peer again ---- */

#define COOLDOWN_FIRST_MS 5000
#define COOLDOWN_MAX_MS 60000

static cooldown_t *cool_find(actr_rtc_coord_t *c, const actr_id_t *id)
{
    for (size_t i = 0; i < ACTR_RTC_COORD_COOLDOWNS; i++)
        if (c->cool[i].until_ms && actr_id_equal(&c->cool[i].id, id))
            return &c->cool[i];
    return NULL;
}

static void cool_fail(actr_rtc_coord_t *c, const actr_id_t *id)
{
    uint64_t now = actr_clock_mono_ms();
    cooldown_t *e = cool_find(c, id);
    if (!e) {
        e = &c->cool[0]; /* reuse the entry that ends first */
        for (size_t i = 1; i < ACTR_RTC_COORD_COOLDOWNS; i++)
            if (c->cool[i].until_ms < e->until_ms)
                e = &c->cool[i];
        memset(e, 0, sizeof *e);
        e->id = *id;
    }
    uint64_t wait = COOLDOWN_FIRST_MS << (e->fails < 4 ? e->fails : 4);
    e->fails++;
    e->until_ms = now + (wait > COOLDOWN_MAX_MS ? COOLDOWN_MAX_MS : wait);
}

static void cool_clear(actr_rtc_coord_t *c, const actr_id_t *id)
{
    cooldown_t *e = cool_find(c, id);
    if (e)
        memset(e, 0, sizeof *e);
}

/* ---- peers ---- */

rpeer_t *actr_rtc_coord_find(const actr_rtc_coord_t *c, const actr_id_t *id)
{
    for (rpeer_t *p = c->peers; p; p = p->next)
        if (actr_id_equal(&p->id, id))
            return p;
    return NULL;
}

static rpeer_t *peer_add(actr_rtc_coord_t *c, const actr_id_t *id)
{
    if (c->npeers >= c->cfg.max_peers)
        return NULL;
    rpeer_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->c = c;
    p->id = *id;
    if (actr_id_format(id, p->key, sizeof p->key, NULL) != 0)
        snprintf(p->key, sizeof p->key, "?");
    p->next = c->peers;
    c->peers = p;
    c->npeers++;
    return p;
}

static void emit(actr_rtc_coord_t *c, rpeer_t *p, actr_rtc_coord_event_t ev)
{
    if (!c->closing && c->cbs.on_event)
        c->cbs.on_event(c->cbs.userdata, &p->id, ev);
}

/* Detaches and closes the peer connection (its on_closed frees the link later). */
static void pc_drop(rpeer_t *p)
{
    if (!p->pc)
        return;
    p->link->peer = NULL;
    actr_rtc_peer_close(p->pc);
    p->pc = NULL;
    p->link = NULL;
    for (int l = 0; l < ACTR_RTC_COORD_LANES; l++) {
        actr_lane_rx_free(p->rx[l]);
        p->rx[l] = NULL;
        p->tx[l].next_msg_id = 0;
    }
    p->offer_pending = false;
}

/* Removes a peer: its connection closes, queued messages are dropped with rc. */
void actr_rtc_coord_peer_free(actr_rtc_coord_t *c, rpeer_t *p, int rc, const char *why)
{
    for (rpeer_t **pp = &c->peers; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    c->npeers--;
    bool had_conn = p->phase != P_NEGOTIATING && p->phase != P_WAIT_OFFER;
    if (p->pc)
        c->stats.closed++;
    if (p->initiated && p->phase != P_READY && !c->closing)
        cool_fail(c, &p->id); /* our attempt failed: the next one waits (5 s doubling to 60 s) */
    pc_drop(p);
    actr_rtc_coord_queue_fail(c, p, rc);
    actr_rtc_coord_media_free(p);
    actr_log(ACTR_LOG_INFO, "webrtc", "peer connection closed", ACTR_KV("peer", p->key),
             ACTR_KV("why", why));
    if (had_conn || p->hooked)
        emit(c, p, ACTR_RTC_COORD_DISCONNECTED);
    free(p);
}

/* ---- relays out ---- */

int actr_rtc_coord_relay(actr_rtc_coord_t *c, rpeer_t *p, Signaling__ActrRelay *r)
{
    actr_id_pb_t target;
    actr_id_pb_init(&target, &p->id);
    r->target = &target.id;
    int rc = c->cfg.send_relay ? c->cfg.send_relay(c->cfg.send_relay_arg, r)
                               : actr_sigc_send_relay(c->sigc, r, NULL);
    if (rc != 0)
        actr_log(ACTR_LOG_DEBUG, "webrtc", "relay not sent", ACTR_KV("peer", p->key),
                 ACTR_KV("error", actr_strerror(rc)));
    return rc;
}

static int relay_sdp(actr_rtc_coord_t *c, rpeer_t *p, Webrtc__SessionDescription__Type type,
                     const char *sdp, const char *exchange_id)
{
    Webrtc__SessionDescription d = WEBRTC__SESSION_DESCRIPTION__INIT;
    d.type = type;
    d.sdp = (char *)sdp;
    d.sdp_exchange_id = (char *)exchange_id;
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION;
    r.session_description = &d;
    return actr_rtc_coord_relay(c, p, &r);
}

int actr_rtc_coord_relay_sdp(actr_rtc_coord_t *c, rpeer_t *p, int type, const char *sdp,
                             const char *exchange_id)
{
    return relay_sdp(c, p, (Webrtc__SessionDescription__Type)type, sdp, exchange_id);
}

void actr_rtc_coord_new_exchange_id(char out[ACTR_UUID_STR_LEN + 1])
{
    actr_uuid_t u;
    actr_uuid_v4(&u);
    actr_uuid_format(&u, out);
}

/* ---- peer connection callbacks ---- */

static void pc_on_candidate(void *arg, const char *cand, const char *mid, int mline,
                            const char *ufrag)
{
    link_t *l = arg;
    if (!l->peer)
        return;
    Webrtc__IceCandidate ic = WEBRTC__ICE_CANDIDATE__INIT;
    ic.candidate = (char *)cand;
    if (mid && mid[0])
        ic.sdp_mid = (char *)mid; /* the native sender omits an empty mid (spec 7.3) */
    if (mline >= 0) {
        ic.has_sdp_mline_index = 1;
        ic.sdp_mline_index = (uint32_t)mline;
    }
    ic.username_fragment = (char *)(ufrag ? ufrag : "");
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE;
    r.ice_candidate = &ic;
    if (actr_rtc_coord_relay(l->c, l->peer, &r) == 0)
        l->c->stats.candidates_out++;
}

static void pc_on_state(void *arg, actr_rtc_state_t st, int code, const char *why)
{
    link_t *l = arg;
    rpeer_t *p = l->peer;
    if (!p)
        return;
    actr_rtc_coord_t *c = l->c;
    uint64_t now = actr_clock_mono_ms();
    p->st = st;
    p->st_since = now;
    actr_log(ACTR_LOG_DEBUG, "webrtc", "peer state", ACTR_KV("peer", p->key),
             ACTR_KV("state", actr_rtc_state_name(st)), ACTR_KV("why", why ? why : ""));
    (void)code;
    actr_rtc_coord_restart_on_state(c, p, st, now); /* coordinator_restart.c */
    switch (st) {
    case ACTR_RTC_CLOSED:
        actr_rtc_coord_peer_free(c, p, ACTR_ECLOSED, why && why[0] ? why : "closed by the peer");
        break;
    default:
        break;
    }
}

static void pc_on_open(void *arg, actr_rtc_lane_t lane)
{
    link_t *l = arg;
    rpeer_t *p = l->peer;
    if (p && p->phase == P_READY && p->nqueue > 0) {
        actr_rtc_coord_queue_flush(l->c, p); /* messages waiting for this lane's channel */
        return;
    }
    if (!p || lane != ACTR_RTC_LANE_RPC_RELIABLE || p->phase == P_READY)
        return;
    /* Readiness (spec 7.3): the offerer once a channel opens after the answer, the answerer at
     * the first channel; we need RPC_RELIABLE either way, the offerer creates it first. */
    p->phase = P_READY;
    p->hooked = true;
    cool_clear(l->c, &p->id);
    l->c->stats.ready++;
    actr_log(ACTR_LOG_INFO, "webrtc", "peer connection ready", ACTR_KV("peer", p->key),
             ACTR_KV("role", p->offerer ? "offerer" : "answerer"));
    emit(l->c, p, ACTR_RTC_COORD_CONNECTED);
    actr_rtc_coord_queue_flush(l->c, p);
}

static void pc_on_chan_closed(void *arg, actr_rtc_lane_t lane)
{
    link_t *l = arg;
    if (l->peer && lane == ACTR_RTC_LANE_RPC_RELIABLE && l->peer->phase == P_READY)
        actr_rtc_coord_peer_free(l->c, l->peer, ACTR_ECLOSED, "RPC_RELIABLE closed");
}

static void pc_on_message(void *arg, actr_rtc_lane_t lane, const uint8_t *data, size_t len,
                          bool binary)
{
    (void)binary;
    link_t *l = arg;
    if (l->peer)
        actr_rtc_coord_on_frame(l->c, l->peer, (int)lane, data, len);
}

static void pc_on_closed(void *arg)
{
    link_t *l = arg;
    actr_rtc_coord_t *c = l->c;
    free(l);
    c->pcs--;
    actr_rtc_coord_maybe_finish(c);
}

/* A fresh peer connection for p (any old one is dropped first). */
static int pc_new(actr_rtc_coord_t *c, rpeer_t *p, bool offerer)
{
    pc_drop(p);
    link_t *l = calloc(1, sizeof *l);
    if (!l)
        return ACTR_ENOMEM;
    l->c = c;
    l->peer = p;
    actr_ice_server_t servers[ACTR_RTC_COORD_MAX_URLS];
    size_t n = 0;
    for (size_t i = 0; i < c->cfg.n_ice_urls && n < ACTR_RTC_COORD_MAX_URLS; i++) {
        const char *u = c->cfg.ice_urls[i];
        bool turn = strncmp(u, "turn:", 5) == 0 || strncmp(u, "turns:", 6) == 0;
        servers[n++] = (actr_ice_server_t){u, turn ? c->turn_user : NULL,
                                           turn ? c->turn_pass : NULL};
    }
    actr_rtc_peer_config_t pc;
    actr_rtc_peer_config_init(&pc);
    pc.ice_servers = servers;
    pc.n_ice_servers = n;
    pc.local_addresses = c->cfg.local_addresses;
    pc.n_local_addresses = c->cfg.n_local_addresses;
    pc.port_min = c->cfg.port_min;
    pc.port_max = c->cfg.port_max;
    pc.relay_only = c->cfg.relay_only;
    actr_rtc_peer_callbacks_t cb = {.on_candidate = pc_on_candidate, .on_state = pc_on_state,
                                    .on_channel_open = pc_on_open,
                                    .on_channel_closed = pc_on_chan_closed,
                                    .on_message = pc_on_message, .on_closed = pc_on_closed,
                                    .on_sample = actr_rtc_coord_media_on_sample};
    int rc = actr_rtc_peer_new(c->env, offerer, &pc, &cb, l, &p->pc);
    if (rc != 0) {
        free(l);
        p->pc = NULL;
        return rc;
    }
    c->pcs++;
    p->link = l;
    p->offerer = offerer;
    p->session = ++c->next_session;
    p->st = ACTR_RTC_NEW;
    p->st_since = actr_clock_mono_ms();
    p->restarting = false;
    actr_rtc_coord_media_attach(p);
    for (int i = 0; i < ACTR_RTC_COORD_LANES; i++) {
        p->rx[i] = actr_lane_rx_new(NULL);
        if (!p->rx[i]) {
            pc_drop(p);
            return ACTR_ENOMEM;
        }
    }
    return 0;
}

/* ---- offerer ---- */

static void start_offer(actr_rtc_coord_t *c, rpeer_t *p)
{
    char *sdp = NULL;
    int rc = pc_new(c, p, true);
    if (rc == 0)
        rc = actr_rtc_peer_create_channel(p->pc, ACTR_RTC_LANE_RPC_RELIABLE);
    if (rc == 0)
        rc = actr_rtc_peer_create_offer(p->pc, &sdp);
    if (rc == 0) {
        actr_rtc_coord_new_exchange_id(p->exchange_id);
        p->offer_pending = true;
        rc = relay_sdp(c, p, WEBRTC__SESSION_DESCRIPTION__TYPE__OFFER, sdp, p->exchange_id);
        free(sdp);
    }
    /* The other lanes after the offer; they open in-band (DCEP) once SCTP is up (spec 7.3). */
    for (int l = 1; rc == 0 && l < ACTR_RTC_COORD_LANES; l++)
        rc = actr_rtc_peer_create_channel(p->pc, (actr_rtc_lane_t)l);
    if (rc != 0) {
        actr_rtc_coord_peer_free(c, p, ACTR_EUNAVAILABLE, "offer failed");
        return;
    }
    c->stats.offers++;
    p->phase = P_CONNECTING;
    p->deadline = actr_clock_mono_ms() + c->cfg.initial_timeout_ms;
    emit(c, p, ACTR_RTC_COORD_CONNECTING);
}

void actr_rtc_coord_emit(actr_rtc_coord_t *c, rpeer_t *p, actr_rtc_coord_event_t ev)
{
    emit(c, p, ev);
}

/* ---- relays in ---- */

static void negotiate(actr_rtc_coord_t *c, rpeer_t *p)
{
    actr_id_pb_t from, to;
    actr_id_pb_init(&from, &c->cfg.self);
    actr_id_pb_init(&to, &p->id);
    Actr__RoleNegotiation neg = ACTR__ROLE_NEGOTIATION__INIT;
    neg.from = &from.id;
    neg.to = &to.id;
    neg.realm_id = c->cfg.realm_id;
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_NEGOTIATION;
    r.role_negotiation = &neg;
    p->phase = P_NEGOTIATING;
    p->deadline = actr_clock_mono_ms() + c->cfg.role_timeout_ms;
    if (actr_rtc_coord_relay(c, p, &r) == 0)
        c->stats.negotiations++;
    else
        p->deadline = actr_clock_mono_ms(); /* fails at the next tick */
}

int actr_rtc_coord_connect(actr_rtc_coord_t *c, const actr_id_t *peer)
{
    if (!c || !peer)
        return ACTR_EINVAL;
    if (c->closing)
        return ACTR_ECLOSED;
    if (actr_rtc_coord_find(c, peer))
        return 0; /* single flight: one negotiation or connection per peer */
    if (!c->cfg.send_relay && !actr_sigc_is_connected(c->sigc))
        return ACTR_EUNAVAILABLE;
    cooldown_t *cool = cool_find(c, peer);
    if (cool && actr_clock_mono_ms() < cool->until_ms)
        return ACTR_EUNAVAILABLE; /* the last attempt failed recently */
    rpeer_t *p = peer_add(c, peer);
    if (!p)
        return ACTR_EUNAVAILABLE;
    p->initiated = true;
    negotiate(c, p);
    return 0;
}

static void on_assignment(actr_rtc_coord_t *c, rpeer_t *p, const actr_id_t *src,
                          const Actr__RoleAssignment *a)
{
    if (!p) {
        /* Unsolicited (spec 7.3): the offerer starts on its own, the answerer waits. */
        p = peer_add(c, src);
        if (!p)
            return;
    } else if (p->phase != P_NEGOTIATING && p->phase != P_WAIT_OFFER) {
        /* A connection exists already: never renegotiate through a stray assignment. */
        return;
    }
    if (a->is_offerer) {
        start_offer(c, p);
    } else {
        p->phase = P_WAIT_OFFER;
        p->deadline = actr_clock_mono_ms() + c->cfg.initial_timeout_ms;
    }
}

static void on_offer(actr_rtc_coord_t *c, rpeer_t *p, const actr_id_t *src,
                     const Webrtc__SessionDescription *d)
{
    if (!d->sdp_exchange_id || !d->sdp_exchange_id[0] || !d->sdp)
        return; /* an offer without sdp_exchange_id is ignored (spec 7.3) */
    if (d->type == WEBRTC__SESSION_DESCRIPTION__TYPE__RENEGOTIATION_OFFER && p && p->pc) {
        actr_rtc_coord_media_on_offer(c, p, d); /* same transport, new sections */
        return;
    }
    bool restart = d->type != WEBRTC__SESSION_DESCRIPTION__TYPE__OFFER && p && p->pc &&
                   !p->offerer;
    if (!p && !(p = peer_add(c, src)))
        return;
    if (!restart && pc_new(c, p, false) != 0) {
        actr_rtc_coord_peer_free(c, p, ACTR_EUNAVAILABLE, "no peer connection");
        return;
    }
    actr_error_t err = {0};
    char *sdp = NULL;
    int rc = actr_rtc_peer_set_remote(p->pc, ACTR_SDP_OFFER, d->sdp, strlen(d->sdp), &err);
    if (rc == 0)
        rc = actr_rtc_peer_create_answer(p->pc, &sdp);
    if (rc == 0) {
        rc = relay_sdp(c, p, WEBRTC__SESSION_DESCRIPTION__TYPE__ANSWER, sdp, d->sdp_exchange_id);
        free(sdp);
    }
    if (rc != 0) {
        actr_log(ACTR_LOG_WARN, "webrtc", "offer refused", ACTR_KV("peer", p->key),
                 ACTR_KV("error", err.message[0] ? err.message : actr_strerror(rc)));
        if (!restart)
            actr_rtc_coord_peer_free(c, p, ACTR_EUNAVAILABLE, "offer refused");
        return;
    }
    c->stats.answers++;
    if (restart)
        p->answer_check = true; /* confirmed by the tick (tick_answered) */
    if (!restart) {
        p->phase = P_CONNECTING;
        p->deadline = actr_clock_mono_ms() + c->cfg.initial_timeout_ms;
        emit(c, p, ACTR_RTC_COORD_CONNECTING);
    }
}

static void on_answer(actr_rtc_coord_t *c, rpeer_t *p, const Webrtc__SessionDescription *d)
{
    if (actr_rtc_coord_media_on_answer(c, p, d))
        return; /* the answer to our renegotiation */
    /* Applied only to our pending offer's exchange id; stale or unknown answers are ignored. */
    if (!p || !p->pc || !p->offerer || !p->offer_pending || !d->sdp || !d->sdp_exchange_id ||
        strcmp(d->sdp_exchange_id, p->exchange_id) != 0)
        return;
    actr_error_t err = {0};
    int rc = actr_rtc_peer_set_remote(p->pc, ACTR_SDP_ANSWER, d->sdp, strlen(d->sdp), &err);
    p->offer_pending = false;
    if (rc != 0) {
        actr_log(ACTR_LOG_WARN, "webrtc", "answer refused", ACTR_KV("peer", p->key),
                 ACTR_KV("error", err.message[0] ? err.message : actr_strerror(rc)));
        if (!p->restarting)
            actr_rtc_coord_peer_free(c, p, ACTR_EUNAVAILABLE, "answer refused");
        return;
    }
    if (p->restarting) {
        p->restart_answered = true;
        p->restart_check = true; /* the tick confirms (tick_restart) */
    }
}

static void on_candidate(actr_rtc_coord_t *c, rpeer_t *p, const Webrtc__IceCandidate *ic)
{
    if (!p || !p->pc || !ic->candidate)
        return;
    c->stats.candidates_in++;
    p->cands_in++;
    /* The peer core drops a candidate without ufrag or of an older generation, and buffers
     * (up to 256) those that come before the remote description or carry an unknown ufrag. */
    actr_rtc_peer_add_candidate(p->pc, ic->candidate, ic->sdp_mid,
                                ic->has_sdp_mline_index ? (int)ic->sdp_mline_index : -1,
                                ic->username_fragment, NULL);
}

void actr_rtc_coord_on_relay(actr_rtc_coord_t *c, const Signaling__ActrRelay *r)
{
    actr_id_t src;
    if (!c || c->closing || !r || !r->source || actr_id_from_pb(r->source, &src, NULL) != 0)
        return;
    /* actrd addresses both RoleAssignments as from the initiator to the other actor, so the
     * initiator finds itself as the source: its peer is then the target. */
    if (actr_id_equal(&src, &c->cfg.self) &&
        (!r->target || actr_id_from_pb(r->target, &src, NULL) != 0))
        return;
    rpeer_t *p = actr_rtc_coord_find(c, &src);
    switch (r->payload_case) {
    case SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT:
        if (r->role_assignment)
            on_assignment(c, p, &src, r->role_assignment);
        break;
    case SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION:
        if (!r->session_description)
            break;
        if (r->session_description->type == WEBRTC__SESSION_DESCRIPTION__TYPE__ANSWER)
            on_answer(c, p, r->session_description);
        else
            on_offer(c, p, &src, r->session_description);
        break;
    case SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE:
        if (r->ice_candidate)
            on_candidate(c, p, r->ice_candidate);
        break;
    case SIGNALING__ACTR_RELAY__PAYLOAD_ICE_RESTART_REQUEST:
        /* The answerer asks; the offerer restarts at once (spec 7.4). */
        if (p && p->pc && p->offerer) {
            actr_log(ACTR_LOG_INFO, "webrtc", "ICE restart request received",
                     ACTR_KV("peer", p->key));
            actr_rtc_coord_restart_begin(c, p);
        }
        break;
    default:
        break; /* RoleNegotiation is the server's business */
    }
}

/* ---- the tick: deadlines here, restarts and health in coordinator_restart.c ---- */

static void on_tick(uv_timer_t *t)
{
    actr_rtc_coord_t *c = t->data;
    uint64_t now = actr_clock_mono_ms();
    bool health = now >= c->next_health;
    if (health)
        c->next_health = now + c->cfg.health_interval_ms;
    rpeer_t *next;
    for (rpeer_t *p = c->peers; p; p = next) {
        next = p->next;
        if (p->phase != P_READY) {
            if (p->deadline && now >= p->deadline)
                actr_rtc_coord_peer_free(c, p, ACTR_ETIMEDOUT,
                                         p->phase == P_NEGOTIATING ? "no role assignment"
                                                                   : "not ready in time");
            continue;
        }
        actr_rtc_coord_tick_ready(c, p, now, health); /* coordinator_restart.c */
    }
}

/* ---- lifetime ---- */

int actr_rtc_coord_new(uv_loop_t *loop, actr_sigc_t *sigc, const actr_rtc_coord_config_t *cfg,
                       const actr_rtc_coord_callbacks_t *cbs, actr_rtc_coord_t **out)
{
    if (!loop || !cfg || !out || (!sigc && !cfg->send_relay))
        return ACTR_EINVAL;
    actr_rtc_coord_t *c = calloc(1, sizeof *c);
    if (!c)
        return ACTR_ENOMEM;
    c->cfg = *cfg;
    /* Borrowed strings are copied: the node config may be reloaded. */
    c->cfg.ice_urls = NULL;
    c->cfg.n_ice_urls = 0;
    c->cfg.local_addresses = NULL;
    c->cfg.n_local_addresses = 0;
    int rc = 0;
    for (size_t i = 0; i < cfg->n_ice_urls && i < ACTR_RTC_COORD_MAX_URLS && rc == 0; i++)
        if (!(c->urls[c->cfg.n_ice_urls++] = strdup(cfg->ice_urls[i])))
            rc = ACTR_ENOMEM;
    for (size_t i = 0; i < cfg->n_local_addresses && i < ACTR_RTC_COORD_MAX_ADDRS && rc == 0;
         i++)
        if (!(c->addrs[c->cfg.n_local_addresses++] = strdup(cfg->local_addresses[i])))
            rc = ACTR_ENOMEM;
    c->cfg.ice_urls = (const char *const *)c->urls;
    c->cfg.local_addresses = (const char *const *)c->addrs;
    if (cbs)
        c->cbs = *cbs;
    c->sigc = sigc;
    c->loop = loop;
    actr_rtc_coord_set_turn(c, cfg->turn_username, cfg->turn_password);
    if (rc == 0 && actr_rtc_env_new(loop, &c->env) != 0)
        rc = ACTR_EINTERNAL;
    if (rc != 0) {
        actr_rtc_coord_free_strings(c);
        free(c);
        return rc;
    }
    uv_timer_init(loop, &c->tick);
    c->tick.data = c;
    uv_timer_start(&c->tick, on_tick, TICK_MS, TICK_MS);
    c->next_health = actr_clock_mono_ms() + c->cfg.health_interval_ms;
    *out = c;
    return 0;
}

void actr_rtc_coord_drop_peer(actr_rtc_coord_t *c, const actr_id_t *peer)
{
    if (!c)
        return;
    rpeer_t *next;
    for (rpeer_t *p = c->peers; p; p = next) {
        next = p->next;
        if (!peer || actr_id_equal(&p->id, peer))
            actr_rtc_coord_peer_free(c, p, ACTR_ECLOSED, "dropped");
    }
}

void actr_rtc_coord_set_self(actr_rtc_coord_t *c, const actr_id_t *self)
{
    if (!c || actr_id_equal(&c->cfg.self, self))
        return;
    actr_rtc_coord_drop_peer(c, NULL); /* hard rebind (spec 7.5 step 3) */
    c->cfg.self = *self;
}

void actr_rtc_coord_set_turn(actr_rtc_coord_t *c, const char *username, const char *password)
{
    snprintf(c->turn_user, sizeof c->turn_user, "%s", username ? username : "");
    snprintf(c->turn_pass, sizeof c->turn_pass, "%s", password ? password : "");
}

void actr_rtc_coord_stats(const actr_rtc_coord_t *c, actr_rtc_coord_stats_t *out)
{
    *out = c->stats;
    out->peers = c->npeers;
}

static void on_tick_closed(uv_handle_t *h)
{
    actr_rtc_coord_t *c = h->data;
    c->tick_open = false;
    actr_rtc_coord_maybe_finish(c);
}

void actr_rtc_coord_maybe_finish(actr_rtc_coord_t *c)
{
    if (!c->closing || c->pcs > 0 || c->tick_open || c->finished)
        return;
    c->finished = true;
    if (c->env && actr_rtc_env_close(c->env) != 0)
        actr_log(ACTR_LOG_WARN, "webrtc", "environment not closed: peers remain");
    void (*done)(void *) = c->done;
    void *arg = c->done_arg;
    actr_rtc_coord_free_strings(c);
    free(c);
    if (done)
        done(arg);
}

void actr_rtc_coord_close(actr_rtc_coord_t *c, void (*done)(void *arg), void *arg)
{
    if (!c || c->closing)
        return;
    actr_rtc_coord_drop_peer(c, NULL); /* hooks still emitted: closing is set after */
    c->closing = true;
    c->done = done;
    c->done_arg = arg;
    c->tick_open = true;
    uv_close((uv_handle_t *)&c->tick, on_tick_closed);
}
