/*
 * remote_register.c - a node's remote side comes to life: AIS registration (protocol.md 7.1
 * step 1), the credential manager that renews before expiry, and the orderly teardown of every
 * network object on the loop thread.
 */
#include "lifecycle/remote_internal.h"
#include "lifecycle/network_event.h"
#include "lifecycle/media.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/log.h"
#include "base/clock.h"
#include "lifecycle/directory.h"
#include "lifecycle/hooks.h"
#include "lifecycle/loop.h"
#include "lifecycle/node_internal.h"

#define REGISTER_WAIT_MS 60000 /* the AIS client times out first (30 s) */

/* ---- waiter ---- */

void actr_waiter_init(actr_waiter_t *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
}

void actr_waiter_destroy(actr_waiter_t *w)
{
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

void actr_waiter_finish(actr_waiter_t *w, int rc, const actr_error_t *err)
{
    pthread_mutex_lock(&w->lock);
    if (!w->done) {
        w->done = true;
        w->rc = rc;
        if (rc != 0) {
            if (err && err->code != 0)
                w->err = *err;
            else
                actr_error_set(&w->err, rc, ACTR_KIND_INTERNAL, 0, "%s", actr_strerror(rc));
        }
        pthread_cond_broadcast(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
}

int actr_waiter_wait(actr_waiter_t *w, int64_t timeout_ms, actr_error_t *err)
{
    struct timespec until;
    if (timeout_ms >= 0)
        actr_clock_mono_deadline((uint64_t)timeout_ms * 1000000ULL, &until);
    pthread_mutex_lock(&w->lock);
    int e = 0;
    while (!w->done && e == 0)
        e = timeout_ms >= 0 ? pthread_cond_timedwait(&w->cond, &w->lock, &until)
                            : pthread_cond_wait(&w->cond, &w->lock);
    int rc = w->done ? w->rc : ACTR_ETIMEDOUT;
    if (w->done && rc != 0 && err)
        *err = w->err;
    pthread_mutex_unlock(&w->lock);
    if (!w->done)
        actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT, "timed out");
    return rc;
}

/* ---- identity ---- */

void actr_remote_identity_changed(actr_remote_t *r)
{
    const actr_ais_credential_t *c = &r->grant.credential;
    if (r->sigc) {
        actr_sigc_identity_t id = {r->grant.actr_id, c->key_id, c->claims, c->claims_len,
                                   c->signature, sizeof c->signature};
        actr_error_t err;
        if (actr_sigc_set_identity(r->sigc, &id, &err) != 0)
            actr_log(ACTR_LOG_WARN, "remote", "signaling kept the old credential",
                     ACTR_KV("error", err.message));
    }
    if (r->ws) {
        actr_ws_identity_t id = {r->grant.actr_id, c->key_id, c->claims, c->claims_len,
                                 c->signature, sizeof c->signature};
        actr_ws_hub_set_identity(r->ws, &id);
    }
    actr_remote_webrtc_identity_changed(r); /* TURN credential; a rebind closes the peers */
}

/* ---- credential manager effects (loop thread) ---- */

static void on_cred_ais(const actr_ais_result_t *res, void *arg);

typedef struct cred_op {
    actr_remote_t *r;
    uint64_t op;
} cred_op_t;

static int start_ais(actr_remote_t *r, uint64_t op, const actr_id_t *id, const uint8_t *token)
{
    cred_op_t *c = malloc(sizeof *c);
    if (!c)
        return ACTR_ENOMEM;
    c->r = r;
    c->op = op;
    actr_error_t err;
    int rc = id ? actr_ais_renew(r->ais, id, token, on_cred_ais, c, NULL, &err)
                : actr_ais_register(r->ais, &r->reg, on_cred_ais, c, NULL, &err);
    if (rc != 0) {
        free(c);
        actr_log(ACTR_LOG_WARN, "remote", "AIS request not started", ACTR_KV("error", err.message));
    }
    return rc;
}

static void on_cred_ais(const actr_ais_result_t *res, void *arg)
{
    cred_op_t *c = arg;
    actr_remote_t *r = c->r;
    uint64_t op = c->op;
    free(c);
    if (res->status != ACTR_AIS_CANCELED && r->cred && !r->stopping)
        actr_credential_on_ais_result(r->cred, op, res);
}

static int fx_start_renew(void *self, uint64_t op, const actr_id_t *id,
                          const uint8_t token[ACTR_AIS_RENEWAL_TOKEN_LEN])
{
    return start_ais(self, op, id, token);
}

static int fx_start_register(void *self, uint64_t op)
{
    return start_ais(self, op, NULL, NULL);
}

static void on_cred_timer(uv_timer_t *t)
{
    actr_remote_t *r = t->data;
    if (r->cred && !r->stopping)
        actr_credential_on_timer(r->cred);
}

static void fx_arm_timer(void *self, uint64_t delay_ms)
{
    actr_remote_t *r = self;
    if (r->cred_timer_open)
        uv_timer_start(&r->cred_timer, on_cred_timer, delay_ms, 0);
}

static void fx_cancel_timer(void *self)
{
    actr_remote_t *r = self;
    if (r->cred_timer_open)
        uv_timer_stop(&r->cred_timer);
}

static void fx_credential_updated(void *self, const actr_credential_session_t *s)
{
    actr_remote_t *r = self;
    r->grant = s->grant;
    actr_remote_identity_changed(r);
    actr_log(ACTR_LOG_INFO, "remote", "credential renewed", ACTR_KV("actor", r->grant.actr_id_str));
}

/*
 * Hard rebind: AIS gave a new identity. The node keeps running under it: the directory entry,
 * signaling and the WebSocket hub switch over. Other threads may read node->id while it is
 * copied; the window is one struct copy and a rebind is rare (documented in docs/RUNTIME.md).
 */
static void fx_rebind(void *self, const actr_credential_session_t *s)
{
    actr_remote_t *r = self;
    struct actr_node *n = r->node;
    actr_directory_remove(n->hyper->dir, &n->id, n);
    r->grant = s->grant;
    n->id.realm = s->grant.actr_id.realm;
    n->id.serial_number = s->grant.actr_id.serial_number;
    if (actr_directory_add(n->hyper->dir, &n->id, n) != 0)
        actr_log(ACTR_LOG_WARN, "remote", "rebound id not in the local directory",
                 ACTR_KV("actor", s->grant.actr_id_str));
    actr_ais_key_cache_put(r->keys, s->grant.signing_key_id, s->grant.signing_pubkey);
    actr_remote_identity_changed(r);
    /* protocol.md 7.5: signaling binds a socket to the actor that opened it, so the new id is
     * registered (and discoverable) only through a new connection; the old socket would keep
     * the old id listed. */
    if (r->sigc) {
        actr_sigc_disconnect(r->sigc);
        actr_sigc_connect(r->sigc, NULL, NULL);
    }
    actr_log(ACTR_LOG_WARN, "remote", "hard rebind: new identity",
             ACTR_KV("actor", s->grant.actr_id_str));
    actr_credential_rebind_done(r->cred, s->generation);
}

static void fx_hook(void *self, actr_credential_hook_t hook, int64_t expiry_s)
{
    actr_remote_t *r = self;
    if (!atomic_load(&r->node->actor_ready))
        return;
    actr_hook_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = hook == ACTR_CRED_HOOK_RENEWED ? ACTR_HOOK_CREDENTIAL_RENEWED
                                             : ACTR_HOOK_CREDENTIAL_EXPIRING;
    ev.status = -1;
    ev.relayed = -1;
    ev.expiry_s = expiry_s > 0 ? (uint64_t)expiry_s : 0;
    actr_hooks_emit(r->node, &ev);
}

int actr_remote_cred_new(actr_remote_t *r, actr_error_t *err)
{
    static const actr_credential_effects_t proto = {
        .start_renew = fx_start_renew,
        .start_register = fx_start_register,
        .arm_timer = fx_arm_timer,
        .cancel_timer = fx_cancel_timer,
        .credential_updated = fx_credential_updated,
        .rebind = fx_rebind,
        .hook = fx_hook,
    };
    actr_credential_effects_t fx = proto;
    fx.self = r;
    actr_credential_config_t cc;
    actr_credential_config_default(&cc);
    if (r->cfg->has_hyper && r->cfg->hyper.credential_expiry_warning_s > 0)
        cc.expiry_warning_ms = (uint64_t)r->cfg->hyper.credential_expiry_warning_s * 1000u;
    uv_timer_init(r->uv, &r->cred_timer);
    r->cred_timer.data = r;
    r->cred_timer_open = true;
    int rc = actr_credential_new(&cc, &fx, &r->cred);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "credential manager: %s",
                              actr_strerror(rc));
    return 0;
}

/* ---- registration (loop thread) ---- */

static void on_registered(const actr_ais_result_t *res, void *arg)
{
    actr_remote_t *r = arg;
    actr_waiter_t *w = r->reg_waiter;
    r->reg_waiter = NULL;
    if (!w)
        return;
    actr_error_t err;
    if (res->status != ACTR_AIS_OK) {
        actr_error_set(&err, res->code ? res->code : ACTR_EIO, ACTR_KIND_TRANSIENT,
                       res->error_code, "AIS register (%s): %s", actr_ais_status_name(res->status),
                       res->message);
        actr_waiter_finish(w, err.code, &err);
        return;
    }
    r->grant = res->grant;
    int rc = actr_remote_cred_new(r, &err);
    if (rc == 0) {
        actr_credential_install(r->cred, &r->grant);
        actr_ais_key_cache_put(r->keys, r->grant.signing_key_id, r->grant.signing_pubkey);
        actr_remote_identity_changed(r);
    }
    actr_waiter_finish(w, rc, &err);
}

static void on_ws_state(actr_ws_hub_t *hub, const actr_ws_event_t *ev, void *ud);
static void on_ws_frame(actr_ws_hub_t *hub, actr_ws_conn_id_t conn, actr_ws_dir_t dir,
                        const actr_id_t *peer, uint8_t payload_type, actr_buf_t payload,
                        void *ud);

static int open_ws(actr_remote_t *r, actr_error_t *err)
{
    actr_ais_key_cache_config_t kc;
    actr_ais_key_cache_config_init(&kc);
    kc.fetch = actr_remote_key_fetch;
    kc.fetch_ctx = r;
    int rc = actr_ais_key_cache_new(&kc, &r->keys);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "key cache: %s", actr_strerror(rc));
    actr_ws_config_t wc;
    actr_ws_config_init(&wc);
    if (r->cfg->has_websocket_listen_port) {
        wc.listen_host = "0.0.0.0";
        wc.listen_port = r->cfg->websocket_listen_port;
        wc.advertised_host = r->cfg->websocket_advertised_host;
    }
    wc.keys = r->keys;
    actr_ws_callbacks_t cb = {.on_state = on_ws_state, .on_frame = on_ws_frame, .userdata = r};
    rc = actr_ws_hub_new(r->uv, &wc, &cb, &r->ws, err);
    if (rc == 0 && r->cfg->has_websocket_listen_port)
        rc = actr_ws_hub_address(r->ws, r->ws_address, sizeof r->ws_address);
    return rc;
}

static void register_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    actr_remote_t *r = arg;
    actr_error_t err;
    err.code = 0;
    struct actr_node *n = r->node;
    int rc = actr_curl_uv_new(r->uv, &r->http);
    if (rc == 0) {
        actr_ais_client_options_t o = {.endpoint = r->cfg->ais_endpoint,
                                       .realm_secret = r->cfg->realm_secret,
                                       .crypto = n->hyper->opts.crypto};
        rc = actr_ais_client_new(r->http, &o, &r->ais, &err);
    }
    if (rc == 0)
        rc = open_ws(r, &err);
    if (rc == 0) {
        actr_ais_register_params_t *p = &r->reg;
        memset(p, 0, sizeof *p);
        p->type = n->id.type;
        p->realm_id = r->cfg->realm_id;
        p->acl = r->cfg->has_acl ? &r->cfg->acl : NULL;
        if (n->package) {
            p->mode = ACTR_AIS_MODE_PACKAGE;
            p->manifest_raw = n->package->manifest_raw;
            p->manifest_raw_len = n->package->manifest_raw_len;
            p->mfr_signature = n->package->mfr_signature;
            p->target = n->package->target;
            p->mfr_key = n->package->mfr_key;
        } else {
            p->mode = ACTR_AIS_MODE_LINKED;
            p->ws_address = r->ws_address[0] ? r->ws_address : NULL;
        }
        rc = actr_ais_register(r->ais, p, on_registered, r, NULL, &err);
    }
    if (rc != 0) {
        actr_waiter_t *w = r->reg_waiter;
        r->reg_waiter = NULL;
        actr_waiter_finish(w, rc, &err);
    }
}

int actr_remote_register(struct actr_node *n, actr_error_t *err)
{
    const actr_runtime_config_t *cfg = n->config;
    if (!cfg || !cfg->ais_endpoint || !cfg->signaling_url)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "register: the node's config has no AIS endpoint or signaling URL");
    if (!n->has_type)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "register: no actor type (actr_node_set_type or a package)");
    actr_remote_t *r = calloc(1, sizeof *r);
    if (!r)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    r->node = n;
    r->loop = n->hyper->loop;
    r->uv = actr_loop_uv(r->loop);
    r->cfg = cfg;
    int rc = actr_hmap_new(ACTR_HMAP_KEY_BYTES, 16, &r->peer_urls);
    if (rc == 0)
        rc = actr_hmap_new(ACTR_HMAP_KEY_BYTES, 256, &r->pending);
    actr_dedup_config_t dc;
    actr_dedup_config_init(&dc);
    if (rc == 0)
        rc = actr_dedup_new(&dc, &r->dedup);
    if (rc != 0) {
        actr_remote_free(r);
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    n->remote = r;
    actr_waiter_t w;
    actr_waiter_init(&w);
    r->reg_waiter = &w;
    rc = actr_loop_post(r->loop, register_on_loop, r);
    if (rc != 0) {
        r->reg_waiter = NULL;
        actr_error_set(err, rc, ACTR_KIND_TRANSIENT, 0, "the I/O loop refused the request");
    } else {
        rc = actr_waiter_wait(&w, REGISTER_WAIT_MS, err);
    }
    actr_waiter_destroy(&w);
    if (rc != 0) {
        actr_remote_stop(n);
        return rc;
    }
    n->id = r->grant.actr_id;
    actr_log(ACTR_LOG_INFO, "remote", "registered with AIS", ACTR_KV("actor", r->grant.actr_id_str),
             ACTR_KV("mode", r->reg.mode == ACTR_AIS_MODE_PACKAGE ? "package" : "linked"),
             ACTR_KV("ws", r->ws_address[0] ? r->ws_address : "-"));
    return 0;
}

/* ---- WebSocket events ---- */

static void on_ws_state(actr_ws_hub_t *hub, const actr_ws_event_t *ev, void *ud)
{
    (void)hub;
    actr_remote_t *r = ud;
    if (!r->stopping)
        actr_remote_outbound_on_ws_state(r, ev);
    if (!ev->peer || r->stopping || !atomic_load(&r->node->actor_ready))
        return;
    actr_hook_event_t h;
    memset(&h, 0, sizeof h);
    h.kind = ev->state == ACTR_WS_CONNECTING  ? ACTR_HOOK_WEBSOCKET_CONNECTING
             : ev->state == ACTR_WS_CONNECTED ? ACTR_HOOK_WEBSOCKET_CONNECTED
                                              : ACTR_HOOK_WEBSOCKET_DISCONNECTED;
    h.has_peer = true;
    h.peer = *ev->peer;
    h.status = -1;
    h.relayed = -1;
    actr_hooks_emit(r->node, &h);
}

static void on_ws_frame(actr_ws_hub_t *hub, actr_ws_conn_id_t conn, actr_ws_dir_t dir,
                        const actr_id_t *peer, uint8_t payload_type, actr_buf_t payload, void *ud)
{
    (void)hub;
    actr_remote_t *r = ud;
    if (r->stopping) {
        actr_buf_release(&payload);
        return;
    }
    /* Direction of use (protocol.md 8.8): dialled sockets carry our requests' responses,
     * accepted ones carry the peers' requests and tells. */
    if (dir == ACTR_WS_DIALLED)
        actr_remote_on_response(r, payload);
    else
        actr_remote_on_inbound(r, conn, peer, payload_type, payload);
}

/* ---- teardown ---- */

static void closed_one(actr_remote_t *r)
{
    if (--r->closing == 0 && r->close_waiter) {
        actr_waiter_t *w = r->close_waiter;
        r->close_waiter = NULL;
        actr_waiter_finish(w, 0, NULL);
    }
}

static void on_handle_closed(uv_handle_t *h)
{
    closed_one(h->data);
}

static void on_object_closed(void *arg)
{
    closed_one(arg);
}

static void stop_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    actr_remote_t *r = arg;
    r->stopping = true;
    r->closing = 1; /* ours, dropped at the end */
    actr_remote_fail_pending(r);
    actr_remote_dup_waits_close(r);
    if (r->cred) {
        actr_credential_stop(r->cred);
        actr_credential_free(r->cred);
        r->cred = NULL;
    }
    r->closing++; /* WebRTC peers close before signaling goes (remote_webrtc.c) */
    if (!actr_remote_webrtc_close(r, on_object_closed, r))
        r->closing--;
    r->closing++; /* the network events' settle timer (network_event.c) */
    if (!actr_remote_net_close(r, on_object_closed, r))
        r->closing--;
    actr_remote_sig_close(r);
    if (r->ws) {
        r->closing++;
        actr_ws_hub_destroy(r->ws, on_object_closed, r);
        r->ws = NULL;
    }
    if (r->keys) {
        actr_ais_key_cache_free(r->keys);
        r->keys = NULL;
    }
    if (r->ais) {
        actr_ais_client_free(r->ais); /* cancels its calls: their callbacks see stopping */
        r->ais = NULL;
    }
    if (r->http) {
        r->closing++;
        actr_curl_uv_close(r->http, on_object_closed, r);
        r->http = NULL;
    }
    uv_timer_t *timers[] = {r->cred_timer_open ? &r->cred_timer : NULL,
                            r->sweep_open ? &r->sweep : NULL,
                            r->retry_open ? &r->retry_timer : NULL};
    r->cred_timer_open = r->sweep_open = r->retry_open = false;
    for (size_t i = 0; i < 3; i++) {
        if (!timers[i])
            continue;
        r->closing++;
        timers[i]->data = r;
        uv_close((uv_handle_t *)timers[i], on_handle_closed);
    }
    closed_one(r);
}

void actr_remote_stop(struct actr_node *n)
{
    actr_remote_t *r = n->remote;
    if (!r || r->close_waiter || r->stopping)
        return;
    actr_remote_consumer_stop(r);
    actr_waiter_t w;
    actr_waiter_init(&w);
    r->close_waiter = &w;
    if (actr_loop_call(r->loop, stop_on_loop, r) == 0)
        actr_waiter_wait(&w, 30000, NULL);
    r->close_waiter = NULL;
    actr_waiter_destroy(&w);
    r->stopping = true;
}

static void free_url(void *v)
{
    free(v);
}

void actr_remote_free(actr_remote_t *r)
{
    if (!r)
        return;
    actr_remote_consumer_stop(r);
    if (r->mailbox)
        actr_mailbox_close(r->mailbox);
    if (r->dedup)
        actr_dedup_free(r->dedup);
    if (r->peer_urls)
        actr_hmap_free(r->peer_urls, free_url);
    if (r->pending)
        actr_hmap_free(r->pending, NULL); /* emptied by actr_remote_fail_pending() */
    actr_media_reg_free(r);
    free(r);
}
