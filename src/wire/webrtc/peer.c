/*
 * peer.c - the peer connection (see peer.h): environment per loop, life cycle, offer/answer
 * through the SDP module (sdp.h), and the ICE -> DTLS wiring. The data channels (SCTP, DCEP)
 * are in peer_dc.c.
 *
 * Datagrams from ICE are demultiplexed by their first byte (RFC 7983): 20..63 DTLS, 128..191
 * RTP/RTCP; STUN never reaches us (libnice consumes it). Closing is deferred to a zero timer so
 * it is safe from inside any callback, including libnice signal handlers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/random.h"
#include "wire/webrtc/peer_internal.h"

#define DEFAULT_MAX_MESSAGE 262144

/* ---- environment -------------------------------------------------------------------------- */

/* Before the SCTP timers: deliver what the ICE sockets already hold (bounded). */
static void env_before_tick(void *arg)
{
    actr_rtc_env_t *env = arg;
    GMainContext *ctx = actr_gpump_context(env->pump);
    for (int i = 0; i < 64 && g_main_context_iteration(ctx, FALSE); i++)
        ;
}

int actr_rtc_env_new(uv_loop_t *loop, actr_rtc_env_t **out)
{
    if (!loop || !out)
        return ACTR_EINVAL;
    actr_rtc_env_t *env = calloc(1, sizeof(*env));
    if (!env)
        return ACTR_ENOMEM;
    env->loop = loop;
    int rc = actr_gpump_new(loop, &env->pump);
    if (rc == 0) {
        rc = actr_sctp_host_new(loop, &env->sctp);
        if (rc == 0)
            actr_sctp_host_set_before_tick(env->sctp, env_before_tick, env);
        if (rc != 0)
            actr_gpump_close(env->pump);
    }
    if (rc != 0) {
        free(env);
        return rc;
    }
    *out = env;
    return 0;
}

uv_loop_t *actr_rtc_env_loop(actr_rtc_env_t *env)
{
    return env->loop;
}

size_t actr_rtc_env_peers(const actr_rtc_env_t *env)
{
    return env->peers;
}

int actr_rtc_env_close(actr_rtc_env_t *env)
{
    if (!env)
        return 0;
    if (env->peers > 0)
        return ACTR_ESTATE;
    actr_gpump_close(env->pump);
    actr_sctp_host_close(env->sctp);
    free(env);
    return 0;
}

/* ---- state -------------------------------------------------------------------------------- */

const char *actr_rtc_state_name(actr_rtc_state_t st)
{
    static const char *const names[] = {"new",    "connecting", "connected",
                                        "disconnected", "failed", "closed"};
    return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

void actr_rtc_peer_set_state(actr_rtc_peer_t *p, actr_rtc_state_t st, int code, const char *why)
{
    if (p->state == st || p->state == ACTR_RTC_CLOSED || p->closing)
        return;
    if (p->state == ACTR_RTC_FAILED && st != ACTR_RTC_CLOSED && st != ACTR_RTC_CONNECTED)
        return;
    p->state = st;
    actr_log(st == ACTR_RTC_FAILED ? ACTR_LOG_WARN : ACTR_LOG_DEBUG, PEER_LOG, "peer state",
             ACTR_KV("state", actr_rtc_state_name(st)), ACTR_KV("why", why ? why : ""),
             ACTR_KV_END);
    if (p->cbs.on_state)
        p->cbs.on_state(p->arg, st, code, why ? why : "");
}

/* ---- ICE callbacks ------------------------------------------------------------------------ */

static void ice_candidate(void *arg, const char *cand, const char *ufrag)
{
    actr_rtc_peer_t *p = arg;
    if (!p->closing && p->cbs.on_candidate)
        p->cbs.on_candidate(p->arg, cand, p->mid, p->mline_index, ufrag);
}

static void ice_state(void *arg, actr_ice_state_t st)
{
    actr_rtc_peer_t *p = arg;
    switch (st) {
    case ACTR_ICE_CONNECTED:
        if (p->dtls && actr_dtls_is_connected(p->dtls))
            actr_rtc_peer_set_state(p, ACTR_RTC_CONNECTED, 0, "ice reconnected");
        break;
    case ACTR_ICE_DISCONNECTED:
    case ACTR_ICE_FAILED:
        if (p->ever_connected)
            actr_rtc_peer_set_state(p, ACTR_RTC_DISCONNECTED, ACTR_EUNAVAILABLE, "ice lost");
        else if (st == ACTR_ICE_FAILED)
            actr_rtc_peer_set_state(p, ACTR_RTC_FAILED, ACTR_EUNAVAILABLE, "ice failed");
        break;
    default:
        break;
    }
}

static void ice_selected(void *arg)
{
    actr_rtc_peer_t *p = arg;
    actr_log(ACTR_LOG_DEBUG, PEER_LOG, "ice pair selected", ACTR_KV_END);
    actr_dtls_transport_ready(p->dtls);
}

static void ice_data(void *arg, const uint8_t *d, size_t n)
{
    actr_rtc_peer_t *p = arg;
    if (p->closing || n == 0)
        return;
    if (d[0] >= 20 && d[0] <= 63)
        actr_dtls_input(p->dtls, d, n);
    else if (d[0] >= 128 && d[0] <= 191) {
        if (p->cbs.on_rtp)
            p->cbs.on_rtp(p->arg, d, n);
        if (!p->closing)
            actr_rtc_media_input(p, d, n);
    }
}

/* ---- DTLS callbacks ----------------------------------------------------------------------- */

static int dtls_out(void *arg, const uint8_t *d, size_t n)
{
    actr_rtc_peer_t *p = arg;
    return actr_ice_send(p->ice, d, n);
}

static void dtls_connected(void *arg)
{
    actr_rtc_peer_t *p = arg;
    p->ever_connected = true;
    actr_rtc_media_dtls_up(p); /* before CONNECTED: a sample may be sent from on_state */
    actr_rtc_peer_set_state(p, ACTR_RTC_CONNECTED, 0, "dtls up");
    int rc = actr_rtc_dc_start(p);
    if (rc != 0)
        actr_rtc_peer_set_state(p, ACTR_RTC_FAILED, rc, "sctp could not start");
}

static void dtls_data(void *arg, const uint8_t *d, size_t n)
{
    actr_rtc_dc_input(arg, d, n);
}

static void dtls_failed(void *arg, int code, const char *why)
{
    actr_rtc_peer_set_state(arg, ACTR_RTC_FAILED, code, why);
}

static void dtls_remote_closed(void *arg)
{
    actr_rtc_peer_set_state(arg, ACTR_RTC_CLOSED, ACTR_ECLOSED, "remote sent close_notify");
}

/* ---- life cycle --------------------------------------------------------------------------- */

void actr_rtc_peer_config_init(actr_rtc_peer_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->socket_buffer_bytes = 4 * 1024 * 1024;
    cfg->max_message_size = DEFAULT_MAX_MESSAGE;
    cfg->buffered_low = 256u << 10;
    cfg->buffered_high = 1u << 20;
    cfg->send_queue_max = 16u << 20;
}

int actr_rtc_peer_new(actr_rtc_env_t *env, bool offerer, const actr_rtc_peer_config_t *cfg,
                      const actr_rtc_peer_callbacks_t *cbs, void *arg, actr_rtc_peer_t **out)
{
    if (!env || !out)
        return ACTR_EINVAL;
    actr_rtc_peer_t *p = calloc(1, sizeof(*p));
    if (!p)
        return ACTR_ENOMEM;
    p->env = env;
    p->offerer = offerer;
    if (cfg)
        p->cfg = *cfg;
    else
        actr_rtc_peer_config_init(&p->cfg);
    if (p->cfg.max_message_size == 0)
        p->cfg.max_message_size = DEFAULT_MAX_MESSAGE;
    if (cbs)
        p->cbs = *cbs;
    p->arg = arg;
    p->remote_max_message = ACTR_SDP_DEFAULT_MAX_MESSAGE_SIZE;
    p->session_id = actr_os_random_u64() >> 1; /* o= ids stay below 2^63 */
    actr_rtc_dc_init(p);

    actr_ice_config_t ic;
    actr_ice_config_init(&ic);
    ic.controlling = offerer;
    ic.servers = p->cfg.ice_servers;
    ic.nservers = p->cfg.n_ice_servers;
    ic.local_addresses = p->cfg.local_addresses;
    ic.nlocal_addresses = p->cfg.n_local_addresses;
    ic.port_min = p->cfg.port_min;
    ic.port_max = p->cfg.port_max;
    ic.relay_only = p->cfg.relay_only;
    ic.socket_buffer_bytes = p->cfg.socket_buffer_bytes;
    /* Only needed at creation: do not keep the caller's pointers. */
    p->cfg.ice_servers = NULL;
    p->cfg.local_addresses = NULL;
    actr_ice_callbacks_t icb = {.on_candidate = ice_candidate,
                                .on_state = ice_state,
                                .on_selected_pair = ice_selected,
                                .on_data = ice_data};
    actr_dtls_callbacks_t dcb = {.send = dtls_out,
                                 .on_connected = dtls_connected,
                                 .on_data = dtls_data,
                                 .on_failed = dtls_failed,
                                 .on_closed = dtls_remote_closed};
    int rc = actr_ice_new(env->pump, &ic, &icb, p, &p->ice);
    if (rc == 0) {
        rc = actr_dtls_new(env->loop, &dcb, p, &p->dtls);
        if (rc != 0)
            actr_ice_free(p->ice);
    }
    if (rc != 0) {
        free(p);
        return rc;
    }
    uv_timer_init(env->loop, &p->close_timer);
    p->close_timer.data = p;
    env->peers++;
    *out = p;
    return 0;
}

static void peer_release(actr_rtc_peer_t *p)
{
    if (--p->pending_closes > 0)
        return;
    void (*closed)(void *) = p->cbs.on_closed;
    void *arg = p->arg;
    p->env->peers--;
    free(p);
    if (closed)
        closed(arg);
}

static void on_close_timer_closed(uv_handle_t *h)
{
    peer_release(h->data);
}

static void on_dtls_closed(void *arg)
{
    peer_release(arg);
}

static void teardown(uv_timer_t *t)
{
    actr_rtc_peer_t *p = t->data;
    /* Order matters: the SCTP ABORT goes out through DTLS and ICE, then close_notify. */
    actr_sctp_free(p->sctp);
    p->sctp = NULL;
    p->pending_closes = 2;
    actr_dtls_close(p->dtls, on_dtls_closed, p);
    p->dtls = NULL;
    actr_ice_free(p->ice);
    p->ice = NULL;
    free(p->local_sdp);
    p->local_sdp = NULL;
    actr_sdp_free(p->pending_offer);
    p->pending_offer = NULL;
    actr_rtc_media_free(p);
    uv_close((uv_handle_t *)&p->close_timer, on_close_timer_closed);
}

void actr_rtc_peer_close(actr_rtc_peer_t *p)
{
    if (!p || p->closing)
        return;
    p->closing = true;
    uv_timer_start(&p->close_timer, teardown, 0, 0);
}

/* ---- descriptions ------------------------------------------------------------------------- */

static int start_gathering(actr_rtc_peer_t *p)
{
    if (p->gathering)
        return 0;
    p->gathering = true;
    return actr_ice_gather(p->ice);
}

/* Fills our builder parameters; creds/fingerprint buffers belong to the caller. */
static int local_params(actr_rtc_peer_t *p, actr_sdp_local_t *l, char *ufrag, char *pwd)
{
    memset(l, 0, sizeof(*l));
    int rc = actr_ice_local_credentials(p->ice, ufrag, pwd);
    if (rc == 0)
        rc = actr_dtls_local_fingerprint(l->fingerprint);
    l->ice_ufrag = ufrag;
    l->ice_pwd = pwd;
    l->session_id = p->session_id;
    l->session_version = ++p->session_version;
    l->data_channel = 1;
    l->sctp_port = ACTR_SCTP_DEFAULT_PORT;
    l->max_message_size = p->cfg.max_message_size;
    /* An answer to a renegotiation keeps the DTLS role of the session. */
    l->answer_setup = p->dtls_started && !p->dtls_client ? ACTR_SDP_SETUP_PASSIVE
                                                          : ACTR_SDP_SETUP_ACTIVE;
    actr_rtc_media_local_params(p, l);
    return rc;
}

/* Writes `desc` as our local description: keeps its text and the application section's mid. */
static int adopt_local(actr_rtc_peer_t *p, const actr_sdp_t *desc, char **sdp)
{
    char *text = NULL;
    int rc = actr_sdp_write_alloc(desc, &text, NULL, NULL);
    if (rc != 0)
        return rc;
    char *copy = strdup(text);
    if (!copy) {
        free(text);
        return ACTR_ENOMEM;
    }
    free(p->local_sdp);
    p->local_sdp = copy;
    int idx = actr_sdp_find_application(desc);
    p->mline_index = idx < 0 ? 0 : idx;
    snprintf(p->mid, sizeof(p->mid), "%s", idx < 0 ? "" : desc->media[idx].mid);
    if (idx >= 0)
        p->local_setup = desc->media[idx].setup;
    actr_rtc_media_local_adopted(p, desc);
    *sdp = text;
    return 0;
}

static int make_offer(actr_rtc_peer_t *p, bool restart, char **sdp)
{
    char ufrag[ACTR_ICE_UFRAG_MAX], pwd[ACTR_ICE_PWD_MAX];
    actr_sdp_local_t l;
    actr_sdp_t *prev = NULL, *out = actr_sdp_new();
    if (!out)
        return ACTR_ENOMEM;
    int rc = 0;
    if (restart && p->local_sdp) {
        prev = actr_sdp_new();
        rc = prev ? actr_sdp_parse(p->local_sdp, strlen(p->local_sdp), prev, NULL) : ACTR_ENOMEM;
    }
    if (rc == 0)
        rc = local_params(p, &l, ufrag, pwd);
    if (rc == 0)
        rc = actr_sdp_build_offer(&l, prev, out, NULL);
    if (rc == 0)
        rc = adopt_local(p, out, sdp);
    actr_sdp_free(prev);
    actr_sdp_free(out);
    if (rc != 0)
        return rc;
    p->sig = SIG_HAVE_LOCAL_OFFER;
    return start_gathering(p);
}

int actr_rtc_peer_create_offer(actr_rtc_peer_t *p, char **sdp)
{
    if (!p || !sdp)
        return ACTR_EINVAL;
    if (!p->offerer || p->closing || p->sig != SIG_STABLE || p->have_remote)
        return ACTR_ESTATE;
    bool any = false;
    for (int i = 0; i < ACTR_RTC_LANE_COUNT; i++)
        any |= p->chans[i].state != CHAN_NONE;
    if (!any)
        return ACTR_ESTATE; /* the application m-line needs a channel (spec 7.3) */
    return make_offer(p, false, sdp);
}

int actr_rtc_peer_restart_ice(actr_rtc_peer_t *p, char **sdp)
{
    if (!p || !sdp)
        return ACTR_EINVAL;
    if (!p->offerer || p->closing || !p->have_remote || p->state == ACTR_RTC_CLOSED)
        return ACTR_ESTATE;
    int rc = actr_ice_restart(p->ice);
    if (rc != 0)
        return rc;
    return make_offer(p, true, sdp);
}

static void start_dtls(actr_rtc_peer_t *p, actr_sdp_setup_t local, actr_sdp_setup_t remote)
{
    if (p->dtls_started)
        return;
    int client = actr_sdp_dtls_client(local, remote);
    if (client < 0) {
        actr_rtc_peer_set_state(p, ACTR_RTC_FAILED, ACTR_EPROTO, "impossible DTLS setup roles");
        return;
    }
    p->dtls_started = true;
    p->dtls_client = client == 1;
    if (actr_dtls_start(p->dtls, client == 1, p->remote_fp) != 0)
        actr_rtc_peer_set_state(p, ACTR_RTC_FAILED, ACTR_EINTERNAL, "dtls could not start");
}

/* Applies the remote transport parameters of the application section m. */
static int apply_remote_media(actr_rtc_peer_t *p, const actr_sdp_media_t *m, actr_error_t *err)
{
    if (!m->has_fingerprint) {
        actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0, "remote SDP has no sha-256 fingerprint");
        return ACTR_EPARSE;
    }
    if (p->have_remote && memcmp(p->remote_fp, m->fingerprint, sizeof(p->remote_fp)) != 0) {
        actr_error_set(err, ACTR_EPROTO, ACTR_KIND_CLIENT, 0,
                       "remote fingerprint changed within the session");
        return ACTR_EPROTO;
    }
    bool restart = p->have_remote && strcmp(actr_ice_remote_ufrag(p->ice), m->ice_ufrag) != 0;
    if (restart && !p->offerer) {
        /* The offerer restarted ICE: so do we, with new credentials in our answer. */
        int rc = actr_ice_restart(p->ice);
        if (rc != 0)
            return rc;
    }
    memcpy(p->remote_fp, m->fingerprint, sizeof(p->remote_fp));
    p->remote_sctp_port = m->sctp_port ? m->sctp_port : ACTR_SCTP_DEFAULT_PORT;
    p->remote_max_message = m->max_message_size ? m->max_message_size
                                                : ACTR_SDP_DEFAULT_MAX_MESSAGE_SIZE;
    p->remote_setup = m->setup;
    int rc = actr_ice_set_remote_credentials(p->ice, m->ice_ufrag, m->ice_pwd);
    if (rc != 0) {
        actr_error_set(err, rc, ACTR_KIND_CLIENT, 0, "remote ICE credentials refused");
        return rc;
    }
    for (uint8_t i = 0; i < m->candidate_count; i++) {
        char line[ACTR_SDP_CANDIDATE_STR_MAX];
        if (actr_sdp_candidate_format(&m->candidates[i], line, sizeof(line), NULL) == 0)
            (void)actr_ice_add_remote_candidate(p->ice, line, m->ice_ufrag, NULL);
    }
    if (m->end_of_candidates)
        actr_ice_remote_gathering_done(p->ice);
    p->have_remote = true;
    if (p->state == ACTR_RTC_NEW)
        actr_rtc_peer_set_state(p, ACTR_RTC_CONNECTING, 0, "remote description applied");
    return 0;
}

int actr_rtc_peer_set_remote(actr_rtc_peer_t *p, actr_sdp_type_t type, const char *sdp, size_t len,
                             actr_error_t *err)
{
    if (!p || !sdp)
        return ACTR_EINVAL;
    if (p->closing)
        return ACTR_ESTATE;
    bool offer = type == ACTR_SDP_OFFER;
    /* The offerer accepts an offer once the session is up (a renegotiation, spec 7.4); the
     * answerer accepts an answer to its own renegotiation offer. */
    if (offer ? (p->sig == SIG_HAVE_LOCAL_OFFER || (p->offerer && !p->have_remote))
              : (p->sig != SIG_HAVE_LOCAL_OFFER || (!p->offerer && !p->reoffer))) {
        actr_error_set(err, ACTR_ESTATE, ACTR_KIND_CLIENT, 0, "%s not expected now",
                       offer ? "offer" : "answer");
        return ACTR_ESTATE;
    }
    actr_sdp_t *d = actr_sdp_new();
    if (!d)
        return ACTR_ENOMEM;
    int rc = actr_sdp_parse(sdp, len, d, err);
    int idx = rc == 0 ? actr_sdp_find_application(d) : -1;
    if (rc == 0 && idx < 0) {
        actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0, "no data channel section in SDP");
        rc = ACTR_EPARSE;
    }
    if (rc == 0)
        rc = apply_remote_media(p, &d->media[idx], err);
    if (rc == 0)
        actr_rtc_media_remote(p, d);
    if (rc != 0) {
        actr_sdp_free(d);
        return rc;
    }
    if (offer) {
        actr_sdp_free(p->pending_offer);
        p->pending_offer = d;
        p->sig = SIG_HAVE_REMOTE_OFFER;
        return 0;
    }
    actr_sdp_setup_t remote = d->media[idx].setup;
    actr_sdp_free(d);
    p->sig = SIG_STABLE;
    p->reoffer = false;
    start_dtls(p, ACTR_SDP_SETUP_ACTPASS, remote);
    return 0;
}

int actr_rtc_peer_create_answer(actr_rtc_peer_t *p, char **sdp)
{
    if (!p || !sdp)
        return ACTR_EINVAL;
    if (p->closing || p->sig != SIG_HAVE_REMOTE_OFFER || !p->pending_offer)
        return ACTR_ESTATE;
    char ufrag[ACTR_ICE_UFRAG_MAX], pwd[ACTR_ICE_PWD_MAX];
    actr_sdp_local_t l;
    actr_sdp_t *out = actr_sdp_new();
    if (!out)
        return ACTR_ENOMEM;
    int rc = local_params(p, &l, ufrag, pwd);
    if (rc == 0)
        rc = actr_sdp_build_answer(p->pending_offer, &l, out, NULL);
    if (rc == 0)
        rc = adopt_local(p, out, sdp);
    actr_sdp_free(out);
    if (rc != 0)
        return rc;
    actr_sdp_free(p->pending_offer);
    p->pending_offer = NULL;
    p->sig = SIG_STABLE;
    start_dtls(p, p->local_setup, p->remote_setup);
    return start_gathering(p);
}

int actr_rtc_peer_add_candidate(actr_rtc_peer_t *p, const char *candidate, const char *mid,
                                int mline_index, const char *ufrag, actr_ice_cand_result_t *res)
{
    (void)mid;
    (void)mline_index;
    if (!p || !candidate)
        return ACTR_EINVAL;
    if (p->closing)
        return ACTR_ESTATE;
    if (candidate[0] == 0) {
        actr_ice_remote_gathering_done(p->ice); /* end-of-candidates */
        return 0;
    }
    if (!ufrag || !ufrag[0])
        return ACTR_EINVAL; /* spec 7.3: candidates without username_fragment are dropped */
    return actr_ice_add_remote_candidate(p->ice, candidate, ufrag, res);
}

int actr_rtc_peer_renegotiate(actr_rtc_peer_t *p, char **sdp)
{
    if (!p || !sdp)
        return ACTR_EINVAL;
    if (p->closing || p->sig != SIG_STABLE || !p->have_remote || !p->local_sdp)
        return ACTR_ESTATE;
    int rc = make_offer(p, true, sdp); /* same credentials: not a restart, just new sections */
    if (rc == 0)
        p->reoffer = true;
    return rc;
}

/* ---- misc --------------------------------------------------------------------------------- */

int actr_rtc_peer_send_rtp(actr_rtc_peer_t *p, const uint8_t *data, size_t len)
{
    if (!p || !data || len == 0)
        return ACTR_EINVAL;
    if (p->closing)
        return ACTR_ESTATE;
    return actr_ice_send(p->ice, data, len);
}

actr_rtc_state_t actr_rtc_peer_state(const actr_rtc_peer_t *p)
{
    return p->closing ? ACTR_RTC_CLOSED : p->state;
}

size_t actr_rtc_peer_max_send(const actr_rtc_peer_t *p)
{
    return p->remote_max_message;
}

int actr_rtc_peer_srtp_keys(actr_rtc_peer_t *p, actr_dtls_srtp_t *out)
{
    if (!p || !out || p->closing)
        return ACTR_EINVAL;
    return actr_dtls_srtp_keys(p->dtls, out);
}

void actr_rtc_peer_stats(const actr_rtc_peer_t *p, actr_ice_stats_t *ice, actr_dtls_stats_t *dtls,
                         void *sctp_stats)
{
    if (ice) {
        memset(ice, 0, sizeof(*ice));
        if (p->ice)
            actr_ice_get_stats(p->ice, ice);
    }
    if (dtls) {
        memset(dtls, 0, sizeof(*dtls));
        if (p->dtls)
            actr_dtls_get_stats(p->dtls, dtls);
    }
    if (sctp_stats) {
        memset(sctp_stats, 0, sizeof(actr_sctp_stats_t));
        if (p->sctp)
            actr_sctp_get_stats(p->sctp, sctp_stats);
    }
}

void actr_rtc_peer_inject(actr_rtc_peer_t *p, const uint8_t *data, size_t len)
{
    if (p && data)
        ice_data(p, data, len);
}

void actr_rtc_peer_pause_rx(actr_rtc_peer_t *p, bool paused)
{
    if (p && p->sctp)
        actr_sctp_pause_rx(p->sctp, paused);
}
