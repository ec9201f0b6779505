/*
 * client.c - the signaling client's lifetime (create, the staged destroy), identity, deferred
 * completions, events and statistics. See client.h and docs/SIGNALING-CLIENT.md.
 */
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "wire/signaling/sigc_internal.h"

#define SIGC_DESTROY_POLL_MS 1 /* how often destroy checks whether lws's handles are closed */

void actr_sigc_config_init(actr_sigc_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->connect_timeout_ms = 30000;
    cfg->request_timeout_ms = 5000;
    cfg->send_timeout_ms = 5000;
    cfg->ping_interval_ms = 5000;
    cfg->liveness_timeout_ms = 10000;
    cfg->max_queue_frames = 256;
    cfg->max_queue_bytes = (size_t)4 << 20;
    cfg->max_frame_bytes = (size_t)1 << 20;
    cfg->retry.auto_reconnect = true;
    cfg->retry.max_attempts = 10;
    cfg->retry.initial_ms = 1000;
    cfg->retry.max_ms = 60000;
    cfg->retry.multiplier = 2.0;
    cfg->retry.jitter = 0.3;
    cfg->retry.cooldown_ms = 0;
}

const char *actr_sigc_state_name(actr_sigc_state_t state)
{
    switch (state) {
    case ACTR_SIGC_DISCONNECTED: return "disconnected";
    case ACTR_SIGC_CONNECTING: return "connecting";
    case ACTR_SIGC_CONNECTED: return "connected";
    }
    return "?";
}

const char *actr_sigc_reason_name(actr_sigc_reason_t reason)
{
    switch (reason) {
    case ACTR_SIGC_REASON_NONE: return "none";
    case ACTR_SIGC_REASON_MANUAL: return "manual";
    case ACTR_SIGC_REASON_STREAM_ENDED: return "stream_ended";
    case ACTR_SIGC_REASON_PONG_TIMEOUT: return "pong_timeout";
    case ACTR_SIGC_REASON_SEND_FAILED: return "send_failed";
    case ACTR_SIGC_REASON_SEND_TIMEOUT: return "send_timeout";
    case ACTR_SIGC_REASON_DISPLACED: return "displaced";
    case ACTR_SIGC_REASON_CONNECT_FAILED: return "connect_failed";
    case ACTR_SIGC_REASON_CREDENTIAL_REJECTED: return "credential_rejected";
    }
    return "?";
}

uint64_t sigc_now_ms(const actr_sigc_t *c)
{
    (void)c;
    return actr_clock_mono_ms();
}

int sigc_waiter_add(sigc_waiter_t **list, actr_sigc_done_cb cb, void *userdata)
{
    sigc_waiter_t *w = calloc(1, sizeof *w);
    if (!w)
        return ACTR_ENOMEM;
    w->cb = cb;
    w->userdata = userdata;
    while (*list) /* FIFO: callers learn the result in the order they asked */
        list = &(*list)->next;
    *list = w;
    return 0;
}

void sigc_waiters_complete(actr_sigc_t *c, sigc_waiter_t **list, int status,
                           const actr_error_t *err)
{
    sigc_waiter_t *w = *list;
    *list = NULL; /* callbacks may add new waiters */
    while (w) {
        sigc_waiter_t *next = w->next;
        if (w->cb)
            w->cb(c, status, status ? err : NULL, w->userdata);
        free(w);
        w = next;
    }
}

void sigc_emit(actr_sigc_t *c, actr_sigc_state_t state, actr_sigc_reason_t reason,
               uint32_t http_status, uint16_t close_code, const char *detail)
{
    if (c->destroying || !c->cb.on_state)
        return;
    actr_sigc_event_t ev = {
        .state = state,
        .reason = reason,
        .attempt = state == ACTR_SIGC_CONNECTING ? c->attempt : 0,
        .http_status = http_status,
        .close_code = close_code,
        .detail = detail ? detail : "",
    };
    c->cb.on_state(c, &ev, c->cb.userdata);
}

/* ---- identity ---- */

static int identity_copy(actr_sigc_t *c, const actr_sigc_identity_t *identity)
{
    uint8_t *claims = malloc(identity->claims_len);
    uint8_t *signature = malloc(identity->signature_len);
    if (!claims || !signature) {
        free(claims);
        free(signature);
        return ACTR_ENOMEM;
    }
    memcpy(claims, identity->claims, identity->claims_len);
    memcpy(signature, identity->signature, identity->signature_len);
    free(c->claims);
    free(c->signature);
    c->id = identity->id;
    c->key_id = identity->key_id;
    c->claims = claims;
    c->claims_len = identity->claims_len;
    c->signature = signature;
    c->signature_len = identity->signature_len;
    return 0;
}

int actr_sigc_set_identity(actr_sigc_t *c, const actr_sigc_identity_t *identity,
                           actr_error_t *err)
{
    if (!c || c->destroying)
        return actr_error_set(err, ACTR_ESTATE, ACTR_KIND_CLIENT, 0, "client destroyed");
    int rc = sigc_identity_check(identity, err);
    if (rc)
        return rc;
    rc = identity_copy(c, identity);
    if (rc)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    /* A refused credential paused the reconnect manager; the new one may pass. */
    if (c->credential_paused) {
        c->credential_paused = false;
        if (c->want_connected && c->cfg.retry.auto_reconnect && !c->cycle_active &&
            c->state == ACTR_SIGC_DISCONNECTED)
            sigc_cycle_start(c, true);
    }
    return 0;
}

/* ---- lifetime ---- */

static int config_check(const actr_sigc_config_t *cfg, actr_error_t *err)
{
    const actr_sigc_retry_t *r = &cfg->retry;
    if (!cfg->url)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no signaling URL");
    if (!cfg->connect_timeout_ms || !cfg->request_timeout_ms || !cfg->send_timeout_ms ||
        !cfg->ping_interval_ms || !cfg->liveness_timeout_ms)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "a timeout is 0");
    if (!cfg->max_queue_frames || cfg->max_queue_bytes < 1024 || cfg->max_frame_bytes < 1024)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "queue or frame limit too small");
    if (!r->initial_ms || r->max_ms < r->initial_ms || !(r->multiplier >= 1.0) ||
        r->multiplier > 1000.0 || !(r->jitter >= 0.0) || r->jitter > 1.0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "retry policy out of range");
    return 0;
}

static void client_free(actr_sigc_t *c)
{
    sigc_queue_clear(c);
    sigc_requests_free(c);
    while (c->conns) { /* lws is gone: nothing refers to these any more */
        sigc_conn_t *next = c->conns->next;
        free(c->conns->rx);
        free(c->conns);
        c->conns = next;
    }
    actr_url_free(&c->url);
    free(c->url_text);
    free(c->claims);
    free(c->signature);
    free(c);
}

static void final_close_cb(uv_handle_t *h)
{
    client_free(h->data);
}

static void handle_closed_cb(uv_handle_t *h)
{
    actr_sigc_t *c = h->data;
    c->open_handles--;
}

/*
 * Destroy in stages, all from loop callbacks (design/LOOP-NOTES.md): the first
 * lws_context_destroy closes lws's sockets and handles; once libuv has closed those handles the
 * second call frees the context; then the last of our own handles goes.
 */
static void destroy_step(actr_sigc_t *c)
{
    if (!c->lws_destroyed) {
        c->lws_destroyed = true;
        sigc_lws_shutdown(c);
        uv_close((uv_handle_t *)&c->t_tick, handle_closed_cb);
        uv_close((uv_handle_t *)&c->t_retry, handle_closed_cb);
        uv_close((uv_handle_t *)&c->t_req, handle_closed_cb);
        uv_close((uv_handle_t *)&c->t_hb, handle_closed_cb);
        return;
    }
    if (c->open_handles > 1 || !sigc_lws_handles_closed(c))
        return;
    uv_timer_stop(&c->t_defer);
    sigc_lws_free(c);
    uv_close((uv_handle_t *)&c->t_defer, final_close_cb);
}

static void defer_cb(uv_timer_t *t)
{
    actr_sigc_t *c = t->data;
    if (c->destroying) {
        destroy_step(c);
        return;
    }
    /* connect() calls made while connected learn it here, never inside connect() itself. */
    int status = c->state == ACTR_SIGC_CONNECTED ? 0 : ACTR_ECLOSED;
    actr_error_t err;
    actr_error_set(&err, ACTR_ECLOSED, ACTR_KIND_TRANSIENT, 0, "disconnected meanwhile");
    sigc_waiters_complete(c, &c->ready_waiters, status, &err);
}

void sigc_defer_kick(actr_sigc_t *c)
{
    if (!c->destroying)
        uv_timer_start(&c->t_defer, defer_cb, 0, 0);
}

int actr_sigc_new(uv_loop_t *loop, const actr_sigc_config_t *cfg,
                  const actr_sigc_callbacks_t *callbacks, actr_sigc_t **out, actr_error_t *err)
{
    if (!out || !loop || !cfg)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "NULL argument");
    *out = NULL;
    int rc = config_check(cfg, err);
    if (rc)
        return rc;
    rc = sigc_identity_check(&cfg->identity, err);
    if (rc)
        return rc;
    actr_sigc_t *c = calloc(1, sizeof *c);
    if (!c)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    c->loop = loop;
    c->cfg = *cfg;
    if (callbacks)
        c->cb = *callbacks;
    c->next_env = 1;
    c->url_text = strdup(cfg->url);
    c->cfg.url = c->url_text;
    memset(&c->cfg.identity, 0, sizeof c->cfg.identity); /* the copy lives in c->id etc. */
    actr_error_t url_err;
    actr_error_clear(&url_err);
    if (!c->url_text) {
        rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    } else if ((rc = actr_url_parse(c->url_text, strlen(c->url_text), &c->url, &url_err)) != 0) {
        rc = actr_error_set(err, rc, ACTR_KIND_CLIENT, 0, "signaling URL: %s", url_err.message);
    } else if (strcmp(c->url.scheme, "ws") != 0 && strcmp(c->url.scheme, "wss") != 0) {
        rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                            "signaling URL: scheme must be ws or wss, not %s", c->url.scheme);
    } else if ((rc = identity_copy(c, &cfg->identity)) != 0 ||
               (rc = sigc_requests_init(c)) != 0) {
        rc = actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    } else {
        actr_backoff_config_t bc = {cfg->retry.initial_ms, cfg->retry.max_ms,
                                    cfg->retry.multiplier, cfg->retry.jitter, 0};
        rc = actr_backoff_init(&c->backoff, &bc);
        if (rc)
            actr_error_set(err, rc, ACTR_KIND_CLIENT, 0, "retry policy out of range");
    }
    if (!rc)
        rc = sigc_lws_create(c, err);
    if (rc) {
        client_free(c);
        return rc;
    }
    uv_timer_t *timers[] = {&c->t_tick, &c->t_retry, &c->t_req, &c->t_hb, &c->t_defer};
    for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
        uv_timer_init(loop, timers[i]);
        timers[i]->data = c;
        c->open_handles++;
    }
    *out = c;
    return 0;
}

void actr_sigc_destroy(actr_sigc_t *c)
{
    if (!c || c->destroying)
        return;
    /* Everyone waiting learns now; from here on the API refuses and on_state is silent. */
    c->destroying = true;
    c->hb_on = false;
    actr_error_t err;
    actr_error_set(&err, ACTR_ECANCELED, ACTR_KIND_CLIENT, 0, "signaling client destroyed");
    sigc_requests_fail_all(c, ACTR_ECANCELED);
    sigc_waiters_complete(c, &c->connect_waiters, ACTR_ECANCELED, &err);
    sigc_waiters_complete(c, &c->ready_waiters, ACTR_ECANCELED, &err);
    sigc_waiters_complete(c, &c->probe_waiters, ACTR_ECANCELED, &err);
    if (c->conn)
        sigc_conn_detach(c, LWS_CLOSE_STATUS_GOINGAWAY);
    sigc_queue_clear(c);
    uv_timer_stop(&c->t_tick);
    uv_timer_stop(&c->t_retry);
    uv_timer_stop(&c->t_req);
    uv_timer_stop(&c->t_hb);
    c->state = ACTR_SIGC_DISCONNECTED;
    uv_timer_start(&c->t_defer, defer_cb, 0, SIGC_DESTROY_POLL_MS);
}

actr_sigc_state_t actr_sigc_state(const actr_sigc_t *c)
{
    return c ? c->state : ACTR_SIGC_DISCONNECTED;
}

bool actr_sigc_is_connected(const actr_sigc_t *c)
{
    return c && c->state == ACTR_SIGC_CONNECTED;
}

void actr_sigc_stats(const actr_sigc_t *c, actr_sigc_stats_t *out)
{
    if (c)
        *out = c->stats;
    else
        memset(out, 0, sizeof *out);
}
