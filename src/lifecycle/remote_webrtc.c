/*
 * remote_webrtc.c - the node's WebRTC side: the coordinator (src/wire/webrtc/coordinator.h)
 * created with signaling and closed with the other network objects, relays handed to it, route
 * selection for outbound traffic, inbound data-channel messages fed to the same admission as
 * direct WebSocket frames, replies on the peer's RPC_RELIABLE channel, and the WebRTC hooks.
 *
 * Route rule (docs/WEBRTC-COORDINATOR.md): a ready WebRTC peer first. Otherwise, when the
 * peer's direct WebSocket address is known, the message goes there and a WebRTC connection is
 * set up in the background for the next ones; when no address is known (or the mode is
 * "only") the message waits in the coordinator's bounded queue until the connection is ready,
 * and a call whose message is dropped fails at once with UNAVAILABLE.
 */
#include "lifecycle/remote_internal.h"
#include "lifecycle/remote_stream.h"

#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/uuid.h"
#include "lifecycle/hooks.h"
#include "lifecycle/network_event.h"
#include "lifecycle/media.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/remote_webrtc.h"
#include "lifecycle/request.h"
#include "package.pb-c.h"

#define MAX_ADDRS 8

/* [webrtc].mode, unless ACTR_WEBRTC_MODE overrides it (tests). */
static actr_rtc_mode_t mode_of(const actr_webrtc_config_t *w)
{
    const char *m = getenv("ACTR_WEBRTC_MODE");
    if (m && strcmp(m, "off") == 0)
        return ACTR_RTC_MODE_OFF;
    if (m && strcmp(m, "only") == 0)
        return ACTR_RTC_MODE_ONLY;
    if (m && strcmp(m, "prefer") == 0)
        return ACTR_RTC_MODE_PREFER;
    return w->mode == ACTR_WEBRTC_MODE_OFF    ? ACTR_RTC_MODE_OFF
           : w->mode == ACTR_WEBRTC_MODE_ONLY ? ACTR_RTC_MODE_ONLY
                                              : ACTR_RTC_MODE_PREFER;
}

/* Host candidates: ACTR_WEBRTC_LOCAL_ADDRESSES (comma-separated, tests) over
 * [webrtc].local_addresses; none = every interface. buf holds the split env value. */
static size_t local_addresses(const actr_webrtc_config_t *w, char *buf, size_t cap,
                              const char **out)
{
    size_t n = 0;
    const char *env = getenv("ACTR_WEBRTC_LOCAL_ADDRESSES");
    if (env && env[0]) { /* "" = unset (a test harness cannot unset a variable it passes) */
        snprintf(buf, cap, "%s", env);
        char *save = NULL;
        for (char *t = strtok_r(buf, ", ", &save); t && n < MAX_ADDRS; t = strtok_r(NULL, ", ", &save))
            out[n++] = t;
        return n;
    }
    for (size_t i = 0; i < w->local_addresses.count && n < MAX_ADDRS; i++)
        out[n++] = w->local_addresses.items[i];
    return n;
}

/* Keys we read but cannot honour: said once at start (docs/DIFFERENCES.md). */
static void note_ignored(const actr_webrtc_config_t *w)
{
    if (w->public_ips.count)
        actr_log(ACTR_LOG_WARN, "remote", "[webrtc].public_ips is not supported; ignored");
    if (w->ice_host_acceptance_min_wait_ms || w->ice_srflx_acceptance_min_wait_ms != 20 ||
        w->ice_prflx_acceptance_min_wait_ms != 40 || w->ice_relay_acceptance_min_wait_ms != 100)
        actr_log(ACTR_LOG_INFO, "remote",
                 "[webrtc].ice_*_acceptance_min_wait have no libnice equivalent; ignored");
}

/* ---- hooks ---- */

static void on_event(void *ud, const actr_id_t *peer, actr_rtc_coord_event_t ev)
{
    actr_remote_t *r = ud;
    if (ev == ACTR_RTC_COORD_DISCONNECTED && !r->stopping)
        actr_remote_outbound_peer_lost(r, peer); /* calls it carried fail now (runtime.md 10.1) */
    if (!atomic_load(&r->node->actor_ready) || r->stopping)
        return;
    actr_hook_event_t h;
    memset(&h, 0, sizeof h);
    h.has_peer = true;
    h.peer = *peer;
    h.relayed = -1;
    switch (ev) {
    case ACTR_RTC_COORD_CONNECTING:
        h.kind = ACTR_HOOK_WEBRTC_CONNECTING;
        h.status = ACTR_PEER_CONNECTING;
        break;
    case ACTR_RTC_COORD_CONNECTED:
        h.kind = ACTR_HOOK_WEBRTC_CONNECTED;
        h.status = ACTR_PEER_CONNECTED;
        break;
    case ACTR_RTC_COORD_RECOVERING:
        h.kind = ACTR_HOOK_WEBRTC_CONNECTING;
        h.status = ACTR_PEER_RECOVERING;
        break;
    case ACTR_RTC_COORD_PATH_LOST: /* the network went away; kept for an ICE restart */
        h.kind = ACTR_HOOK_WEBRTC_DISCONNECTED;
        h.status = ACTR_PEER_RECOVERING;
        break;
    default:
        h.kind = ACTR_HOOK_WEBRTC_DISCONNECTED;
        h.status = ACTR_PEER_IDLE;
        break;
    }
    actr_hooks_emit(r->node, &h);
    if (h.kind == ACTR_HOOK_WEBRTC_DISCONNECTED) /* streams sent to it: runtime.md §5.4 */
        actr_remote_stream_peer_lost(r, peer);
}

/* ---- inbound ---- */

static void on_message(void *ud, const actr_id_t *peer, int lane, actr_buf_t msg)
{
    actr_remote_t *r = ud;
    if (r->stopping) {
        actr_buf_release(&msg);
        return;
    }
    if (lane > ACTR_RTC_COORD_LANE_RPC_SIGNAL) { /* stream lanes: remote_stream.c */
        actr_remote_stream_on_rtc(r, peer, lane, msg);
        return;
    }
    /* Responses complete our pending calls; requests and tells take the admission path of
     * direct WebSocket frames (ACL, dedup, mailbox). The envelope is decoded again there. */
    Actr__RpcEnvelope *env = actr__rpc_envelope__unpack(NULL, msg.len, msg.data);
    bool response = env && env->has_direction &&
                    env->direction == ACTR__DIRECTION__DIRECTION_RESPONSE;
    if (env)
        actr__rpc_envelope__free_unpacked(env, NULL);
    atomic_fetch_add_explicit(&r->rtc_in, 1, memory_order_relaxed);
    if (response)
        actr_remote_on_response(r, msg);
    else
        actr_remote_on_inbound(r, 0, peer, (uint8_t)lane, msg);
}

/* ---- lifetime (loop thread) ---- */

int actr_remote_webrtc_check(const actr_runtime_config_t *cfg, actr_error_t *err)
{
    /* libnice binds one socket per candidate and agent: no shared UDP mux port. */
    if (cfg->webrtc.has_udp_mux_port && mode_of(&cfg->webrtc) != ACTR_RTC_MODE_OFF)
        return actr_error_set(err, ACTR_EUNSUPPORTED, ACTR_KIND_CLIENT, 0,
                              "[webrtc].ice_udp_mux_port is not supported (use "
                              "port_range_start/port_range_end)");
    return 0;
}

int actr_remote_webrtc_open(actr_remote_t *r, actr_error_t *err)
{
    int rc;
    const actr_webrtc_config_t *w = &r->cfg->webrtc;
    if (w->watch_network)
        actr_remote_net_watch(r); /* optional: logged when netlink is unavailable */
    r->rtc_mode = mode_of(w);
    if (r->rtc_mode == ACTR_RTC_MODE_OFF || r->rtc)
        return 0;
    if ((rc = actr_remote_webrtc_check(r->cfg, err)) != 0)
        return rc;
    note_ignored(w);
    actr_rtc_coord_config_t cc;
    actr_rtc_coord_config_init(&cc);
    cc.self = r->grant.actr_id;
    cc.realm_id = r->cfg->realm_id;
    /* [webrtc] stun_urls and turn_urls; TURN gets the AIS TurnCredential. */
    const char *urls[ACTR_RTC_COORD_MAX_URLS];
    size_t n = 0;
    for (size_t i = 0; i < w->ice_server_count && i < 2; i++)
        for (size_t j = 0; j < w->ice_servers[i].urls.count && n < ACTR_RTC_COORD_MAX_URLS; j++)
            urls[n++] = w->ice_servers[i].urls.items[j];
    cc.ice_urls = urls;
    cc.n_ice_urls = n;
    cc.turn_username = r->grant.turn.username;
    cc.turn_password = r->grant.turn.password;
    cc.relay_only = w->ice_transport_policy == ACTR_ICE_POLICY_RELAY;
    if (w->has_port_range) {
        cc.port_min = w->port_range_start;
        cc.port_max = w->port_range_end;
    }
    char addrs_buf[256] = "";
    const char *addrs[MAX_ADDRS];
    cc.n_local_addresses = local_addresses(w, addrs_buf, sizeof addrs_buf, addrs);
    cc.local_addresses = cc.n_local_addresses ? addrs : NULL;
    actr_rtc_coord_callbacks_t cb = {.on_message = on_message, .on_event = on_event,
                                     .on_sample = actr_media_on_sample, .userdata = r};
    rc = actr_rtc_coord_new(r->uv, r->sigc, &cc, &cb, &r->rtc);
    if (rc != 0)
        actr_log(ACTR_LOG_WARN, "remote", "WebRTC unavailable; direct WebSocket only",
                 ACTR_KV("error", actr_strerror(rc)));
    return rc;
}

bool actr_remote_webrtc_close(actr_remote_t *r, void (*done)(void *), void *arg)
{
    if (!r->rtc)
        return false;
    actr_rtc_coord_close(r->rtc, done, arg);
    r->rtc = NULL;
    return true;
}

void actr_remote_webrtc_on_relay(actr_remote_t *r, const Signaling__SignalingEnvelope *env)
{
    if (r->rtc && env->flow_case == SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY)
        actr_rtc_coord_on_relay(r->rtc, env->actr_relay);
}

void actr_remote_webrtc_identity_changed(actr_remote_t *r)
{
    if (!r->rtc)
        return;
    actr_rtc_coord_set_turn(r->rtc, r->grant.turn.username, r->grant.turn.password);
    actr_rtc_coord_set_self(r->rtc, &r->grant.actr_id);
}

/* ---- outbound (loop thread) ---- */

bool actr_remote_webrtc_use(actr_remote_t *r, const actr_id_t *target, bool have_ws)
{
    if (!r->rtc)
        return false;
    if (actr_rtc_coord_ready(r->rtc, target) || r->rtc_mode == ACTR_RTC_MODE_ONLY || !have_ws)
        return true;
    /* The WebSocket carries this one; WebRTC is set up meanwhile (single flight per peer). */
    actr_rtc_coord_connect(r->rtc, target);
    return false;
}

int actr_remote_webrtc_send(actr_remote_t *r, const actr_id_t *target, uint8_t lane,
                            const actr_buf_t *frame, void (*sent)(void *arg, int rc), void *arg)
{
    int rc = actr_rtc_coord_send(r->rtc, target, lane, frame, sent, arg);
    if (rc == 0)
        atomic_fetch_add_explicit(&r->rtc_out, 1, memory_order_relaxed);
    return rc;
}

int actr_remote_webrtc_reply(actr_remote_t *r, const actr_id_t *peer, const actr_buf_t *frame)
{
    /* The open channel, even while ICE restarts: SCTP delivers once the path is back, and a
     * WebRTC-only caller has no WebSocket the reply could take instead. */
    if (!r->rtc || !actr_rtc_coord_channel_open(r->rtc, peer))
        return ACTR_EUNAVAILABLE;
    int rc = actr_rtc_coord_send(r->rtc, peer, ACTR_RTC_COORD_LANE_RPC_RELIABLE, frame, NULL,
                                 NULL);
    if (rc == 0)
        atomic_fetch_add_explicit(&r->rtc_out, 1, memory_order_relaxed);
    return rc;
}

/* ---- inspection (any thread) ---- */

typedef struct inspect {
    actr_remote_t *r;
    actr_id_t peer;
    actr_rtc_coord_stats_t stats;
    int rc;
    bool ready;
} inspect_t;

static void stats_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    inspect_t *q = arg;
    if (q->r->rtc)
        actr_rtc_coord_stats(q->r->rtc, &q->stats);
    q->ready = q->r->rtc && actr_rtc_coord_ready(q->r->rtc, &q->peer);
}

static void restart_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    inspect_t *q = arg;
    q->rc = q->r->rtc ? actr_rtc_coord_restart_ice(q->r->rtc, &q->peer) : ACTR_ESTATE;
}

static int inspect(struct actr_node *n, const actr_id_t *peer, actr_loop_fn fn, inspect_t *q)
{
    memset(q, 0, sizeof *q);
    q->r = n ? n->remote : NULL;
    if (!q->r)
        return ACTR_ESTATE;
    if (peer)
        q->peer = *peer;
    return actr_loop_call(q->r->loop, fn, q);
}

int actr_remote_webrtc_stats(struct actr_node *n, actr_rtc_coord_stats_t *out)
{
    inspect_t q;
    int rc = inspect(n, NULL, stats_on_loop, &q);
    *out = q.stats;
    return rc;
}

int actr_remote_webrtc_restart_ice(struct actr_node *n, const actr_id_t *peer)
{
    inspect_t q;
    int rc = inspect(n, peer, restart_on_loop, &q);
    return rc ? rc : q.rc;
}

bool actr_remote_webrtc_ready(struct actr_node *n, const actr_id_t *peer)
{
    inspect_t q;
    return inspect(n, peer, stats_on_loop, &q) == 0 && q.ready;
}
