/*
 * remote_signaling.c - the node's signaling connection (protocol.md 7.1 steps 2-3, 7.2): connect
 * with the credential, heartbeats that report the mailbox backlog and trigger renewal on 401,
 * discovery by route candidates (remembering each candidate's direct WebSocket address), AIS
 * signing keys for the key cache, and the unregister at shutdown.
 */
#include "lifecycle/remote_internal.h"

#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "lifecycle/hooks.h"
#include "lifecycle/node_internal.h"
#include "platform/ais/id_pb.h"

#define START_WAIT_MS 35000 /* one connect attempt times out at 30 s */

static void emit(actr_remote_t *r, actr_hook_kind_t kind, uint32_t attempt)
{
    if (!atomic_load(&r->node->actor_ready) || r->stopping)
        return;
    actr_hook_event_t h;
    memset(&h, 0, sizeof h);
    h.kind = kind;
    h.attempt = attempt;
    h.status = -1;
    h.relayed = -1;
    actr_hooks_emit(r->node, &h);
}

static void on_state(actr_sigc_t *c, const actr_sigc_event_t *ev, void *ud)
{
    (void)c;
    actr_remote_t *r = ud;
    switch (ev->state) {
    case ACTR_SIGC_CONNECTING:
        emit(r, ACTR_HOOK_SIGNALING_CONNECTING, ev->attempt);
        break;
    case ACTR_SIGC_CONNECTED:
        emit(r, ACTR_HOOK_SIGNALING_CONNECTED, 0);
        break;
    case ACTR_SIGC_DISCONNECTED:
        actr_log(ACTR_LOG_INFO, "remote", "signaling disconnected",
                 ACTR_KV("reason", actr_sigc_reason_name(ev->reason)),
                 ACTR_KV("detail", ev->detail));
        emit(r, ACTR_HOOK_SIGNALING_DISCONNECTED, 0);
        break;
    default:
        break;
    }
}

static void on_unsolicited(actr_sigc_t *c, const Signaling__SignalingEnvelope *env, void *ud)
{
    (void)c;
    /* Relays are the WebRTC coordinator's (remote_webrtc.c); nothing else is expected unasked. */
    if (env->flow_case == SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY) {
        actr_remote_webrtc_on_relay(ud, env);
        return;
    }
    actr_log(ACTR_LOG_DEBUG, "remote", "unsolicited signaling envelope",
             ACTR_KV("id", env->envelope_id ? env->envelope_id : ""));
}

static void on_connected(actr_sigc_t *c, int status, const actr_error_t *err, void *ud)
{
    (void)c;
    actr_remote_t *r = ud;
    actr_waiter_t *w = r->sig_waiter;
    r->sig_waiter = NULL;
    if (w)
        actr_waiter_finish(w, status, err);
}

static void sample(Actr__Ping *ping, void *ud)
{
    actr_remote_t *r = ud;
    actr_mailbox_stats_t st;
    ping->availability = ACTR__SERVICE_AVAILABILITY_STATE__FULL;
    ping->power_reserve = 1.0f;
    ping->mailbox_backlog = 0.0f;
    if (r->mailbox && actr_mailbox_stats(r->mailbox, &st) == 0)
        ping->mailbox_backlog = (float)st.queued;
}

static void on_heartbeat(actr_sigc_t *c, const actr_sigc_hb_result_t *res, void *ud)
{
    (void)c;
    actr_remote_t *r = ud;
    if (!r->cred || r->stopping)
        return;
    if (res->credential_expired)
        actr_credential_trigger_renewal(r->cred);
    else if (res->credential_warning)
        actr_credential_on_expiring(r->cred);
}

int actr_remote_sig_open(actr_remote_t *r, actr_error_t *err)
{
    actr_sigc_config_t sc;
    actr_sigc_config_init(&sc);
    sc.url = r->cfg->signaling_url;
    const actr_ais_credential_t *cr = &r->grant.credential;
    sc.identity = (actr_sigc_identity_t){r->grant.actr_id, cr->key_id, cr->claims, cr->claims_len,
                                         cr->signature, sizeof cr->signature};
    actr_sigc_callbacks_t cb = {.on_state = on_state, .on_unsolicited = on_unsolicited,
                                .userdata = r};
    int rc = actr_sigc_new(r->uv, &sc, &cb, &r->sigc, err);
    if (rc != 0)
        return rc;
    actr_sigc_heartbeat_t hb = {.interval_ms = r->grant.heartbeat_interval_secs * 1000u,
                                .sample = sample,
                                .on_result = on_heartbeat,
                                .userdata = r};
    actr_sigc_heartbeat_start(r->sigc, &hb);
    /* WebRTC is optional (without it the WebSocket carries all), unless misconfigured. */
    if ((rc = actr_remote_webrtc_open(r, err)) == ACTR_EUNSUPPORTED)
        return rc;
    return actr_sigc_connect(r->sigc, on_connected, r);
}

void actr_remote_sig_close(actr_remote_t *r)
{
    if (!r->sigc)
        return;
    if (actr_sigc_is_connected(r->sigc)) {
        /* Spec 7.1 step 5: say goodbye, without waiting for the answer. */
        actr_id_pb_t me;
        actr_id_pb_init(&me, &r->grant.actr_id);
        Actr__UnregisterRequest un = ACTR__UNREGISTER_REQUEST__INIT;
        un.actr_id = &me.id;
        un.reason = "Graceful shutdown";
        Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
        msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_UNREGISTER_REQUEST;
        msg.unregister_request = &un;
        actr_sigc_send_request(r->sigc, &msg, 0, NULL, NULL, NULL);
    }
    actr_sigc_heartbeat_stop(r->sigc);
    actr_sigc_destroy(r->sigc);
    r->sigc = NULL;
}

static void start_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    actr_remote_t *r = arg;
    actr_error_t err;
    int rc = actr_remote_sig_open(r, &err);
    if (rc != 0 && r->sig_waiter) {
        actr_waiter_t *w = r->sig_waiter;
        r->sig_waiter = NULL;
        actr_waiter_finish(w, rc, &err);
    }
}

static void forget_sig_waiter(uv_loop_t *uv, void *arg)
{
    (void)uv;
    ((actr_remote_t *)arg)->sig_waiter = NULL;
}

int actr_remote_start(struct actr_node *n, actr_error_t *err)
{
    actr_remote_t *r = n->remote;
    int rc = actr_remote_webrtc_check(r->cfg, err);
    if (rc == 0)
        rc = actr_remote_mailbox_open(r, err);
    if (rc != 0)
        return rc;
    actr_waiter_t w;
    actr_waiter_init(&w);
    r->sig_waiter = &w;
    rc = actr_loop_post(r->loop, start_on_loop, r);
    if (rc == 0)
        rc = actr_waiter_wait(&w, START_WAIT_MS, err);
    else
        actr_error_set(err, rc, ACTR_KIND_TRANSIENT, 0, "the I/O loop refused the request");
    if (rc == ACTR_ETIMEDOUT)
        actr_loop_call(r->loop, forget_sig_waiter, r); /* w dies with this frame */
    actr_waiter_destroy(&w);
    if (rc != 0)
        return actr_error_set(err, rc, err ? err->kind : ACTR_KIND_TRANSIENT,
                              err ? err->wire_code : 0, "signaling %s: %s", r->cfg->signaling_url,
                              err && err->message[0] ? err->message : actr_strerror(rc));
    return 0;
}

/* ---- signing keys for the key cache ---- */

typedef struct key_fetch {
    actr_remote_t *r;
    uint32_t key_id;
} key_fetch_t;

static void on_key(actr_sigc_t *c, int status, const Signaling__SignalingEnvelope *reply, void *ud)
{
    (void)c;
    key_fetch_t *f = ud;
    actr_remote_t *r = f->r;
    uint32_t asked = f->key_id;
    free(f);
    if (!r->keys)
        return;
    const Signaling__SignalingToActr *s = reply ? reply->server_to_actr : NULL;
    if (status == 0 && (!s || s->payload_case !=
                                  SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_GET_SIGNING_KEY_RESPONSE ||
                        s->get_signing_key_response->pubkey.len != ACTR_ED25519_PUBLIC_KEY_LEN))
        status = ACTR_ENOTFOUND;
    if (status != 0) {
        actr_ais_key_cache_fetched(r->keys, asked, status, 0, NULL);
        return;
    }
    const Signaling__GetSigningKeyResponse *k = s->get_signing_key_response;
    actr_ais_key_cache_fetched(r->keys, asked, 0, k->key_id, k->pubkey.data);
}

int actr_remote_key_fetch(actr_ais_key_cache_t *cache, uint32_t key_id, void *ctx)
{
    (void)cache;
    actr_remote_t *r = ctx;
    if (!r->sigc || r->stopping)
        return ACTR_EUNAVAILABLE;
    key_fetch_t *f = malloc(sizeof *f);
    if (!f)
        return ACTR_ENOMEM;
    f->r = r;
    f->key_id = key_id;
    Signaling__GetSigningKeyRequest req = SIGNALING__GET_SIGNING_KEY_REQUEST__INIT;
    req.key_id = key_id;
    Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
    msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_GET_SIGNING_KEY_REQUEST;
    msg.get_signing_key_request = &req;
    int rc = actr_sigc_send_request(r->sigc, &msg, 0, on_key, f, NULL);
    if (rc != 0)
        free(f);
    return rc;
}

/* ---- discovery ---- */

typedef struct discover_op {
    actr_remote_t *r;
    actr_type_t type;
    actr_waiter_t w;
    actr_id_t found;
} discover_op_t;

static void remember_url(actr_remote_t *r, const Actr__WsAddressEntry *e)
{
    actr_id_t id;
    char key[ACTR_ID_STR_SIZE];
    if (!e->candidate_id || !e->ws_address || !e->ws_address[0] ||
        actr_id_from_pb(e->candidate_id, &id, NULL) != 0 ||
        actr_id_format(&id, key, sizeof key, NULL) != 0)
        return;
    char *url = strdup(e->ws_address);
    void *old = NULL;
    if (url && actr_hmap_put(r->peer_urls, key, strlen(key), url, &old) != 0)
        free(url);
    free(old);
}

static void on_candidates(actr_sigc_t *c, int status, const Signaling__SignalingEnvelope *reply,
                          void *ud)
{
    (void)c;
    discover_op_t *op = ud;
    actr_error_t err;
    uint32_t code = 0;
    const char *msg = NULL;
    const Signaling__SignalingToActr *s = reply ? reply->server_to_actr : NULL;
    if (status != 0) {
        actr_error_set(&err, status, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                       "discovery: %s", actr_strerror(status));
    } else if (actr_sigc_reply_error(reply, &code, &msg)) {
        status = ACTR_EUNAVAILABLE;
        actr_error_set(&err, status, ACTR_KIND_TRANSIENT, code, "discovery refused: %s",
                       msg ? msg : "");
    } else if (!s || s->payload_case !=
                         SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ROUTE_CANDIDATES_RESPONSE ||
               s->route_candidates_response->result_case !=
                   ACTR__ROUTE_CANDIDATES_RESPONSE__RESULT_SUCCESS) {
        status = ACTR_EIO;
        actr_error_set(&err, status, ACTR_KIND_CORRUPT, 0, "discovery: unexpected answer");
    } else {
        const Actr__RouteCandidatesResponse__RouteCandidatesOk *ok =
            s->route_candidates_response->success;
        for (size_t i = 0; i < ok->n_ws_address_map; i++)
            remember_url(op->r, ok->ws_address_map[i]);
        if (ok->n_candidates == 0 || actr_id_from_pb(ok->candidates[0], &op->found, NULL) != 0) {
            status = ACTR_ENOTFOUND;
            actr_error_set(&err, status, ACTR_KIND_CLIENT, ACTR_WIRE_NOT_FOUND,
                           "discovery: no running actor of the requested type");
        }
    }
    actr_waiter_finish(&op->w, status, status ? &err : NULL);
}

static void discover_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    discover_op_t *op = arg;
    actr_remote_t *r = op->r;
    int rc = ACTR_EUNAVAILABLE;
    if (r->sigc && !r->stopping) {
        Actr__ActrType type_pb;
        actr_type_pb_init(&type_pb, &op->type);
        Actr__RouteCandidatesRequest__NodeSelectionCriteria crit =
            ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__INIT;
        crit.candidate_count = 1;
        Actr__RouteCandidatesRequest req = ACTR__ROUTE_CANDIDATES_REQUEST__INIT;
        req.target_type = &type_pb;
        req.criteria = &crit;
        req.client_fingerprint = "";
        Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
        msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ROUTE_CANDIDATES_REQUEST;
        msg.route_candidates_request = &req;
        rc = actr_sigc_send_request(r->sigc, &msg, 0, on_candidates, op, NULL);
    }
    if (rc != 0) {
        actr_error_t err;
        actr_error_set(&err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                       "discovery: signaling is not connected (%s)", actr_strerror(rc));
        actr_waiter_finish(&op->w, rc, &err);
    }
}

int actr_remote_discover(struct actr_node *from, const actr_type_t *type, actr_id_t *out,
                         actr_error_t *err)
{
    actr_remote_t *r = from->remote;
    if (!r)
        return ACTR_EUNAVAILABLE;
    discover_op_t *op = calloc(1, sizeof *op);
    if (!op)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    op->r = r;
    op->type = *type;
    actr_waiter_init(&op->w);
    int rc = actr_loop_call(r->loop, discover_on_loop, op);
    /* The reply or the request's own 5 s timeout always finishes the waiter. */
    if (rc == 0)
        rc = actr_waiter_wait(&op->w, -1, err);
    else
        actr_error_set(err, rc, ACTR_KIND_TRANSIENT, 0, "the I/O loop refused the request");
    if (rc == 0)
        *out = op->found;
    actr_waiter_destroy(&op->w);
    free(op);
    return rc;
}
