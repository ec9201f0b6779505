/*
 * cycle.c - connect cycles and the reconnect manager (runtime.md 3.1 and 10.6).
 *
 * A cycle is one attempt, then up to retry.max_attempts more after backoff delays. connect()
 * starts an explicit cycle (or joins the running one); the loss of an established connection
 * starts an automatic one when auto_reconnect is on and the user has not disconnected. An
 * exhausted automatic cycle waits retry.cooldown_ms (default 2 x max_ms) and starts over. A
 * credential refused at the upgrade (401/403) ends the cycle at once and pauses the manager
 * until set_identity() or connect(): retrying the same credential cannot succeed, and the
 * server's rate limit should not see a storm. Attempts always start from the t_retry timer, so
 * no callback runs inside connect().
 */
#include <stdio.h>

#include "actr/log.h"
#include "wire/signaling/sigc_internal.h"

static void start_attempt(actr_sigc_t *c);

static void retry_cb(uv_timer_t *t)
{
    actr_sigc_t *c = t->data;
    c->retry_waiting = false;
    if (c->destroying)
        return;
    if (!c->cycle_active) { /* the cooldown after an exhausted automatic cycle ended */
        sigc_cycle_start(c, true);
        return;
    }
    start_attempt(c);
}

static void arm_retry(actr_sigc_t *c, uint64_t delay_ms)
{
    c->retry_waiting = true;
    uv_timer_start(&c->t_retry, retry_cb, delay_ms, 0);
}

void sigc_cycle_start(actr_sigc_t *c, bool automatic)
{
    if (c->destroying || (c->cycle_active && !c->retry_waiting))
        return; /* an attempt is in flight: callers share it */
    if (!c->cycle_active) {
        c->cycle_active = true;
        c->cycle_auto = automatic;
    }
    c->attempt = 0;
    actr_backoff_reset(&c->backoff);
    c->state = ACTR_SIGC_CONNECTING;
    arm_retry(c, 0);
}

void sigc_cycle_stop(actr_sigc_t *c)
{
    uv_timer_stop(&c->t_retry);
    c->retry_waiting = false;
    c->cycle_active = false;
    c->cycle_auto = false;
}

static void start_attempt(actr_sigc_t *c)
{
    c->attempt++;
    c->stats.attempts++;
    c->state = ACTR_SIGC_CONNECTING;
    c->attempt_deadline_ms = sigc_now_ms(c) + c->cfg.connect_timeout_ms;
    sigc_emit(c, ACTR_SIGC_CONNECTING, ACTR_SIGC_REASON_NONE, 0, 0, "connecting");
    if (c->destroying || !c->cycle_active || c->retry_waiting || c->conn)
        return; /* the callback disconnected, restarted or destroyed */
    actr_error_t err;
    actr_error_clear(&err);
    int rc = sigc_conn_open(c, &err);
    if (rc) {
        sigc_attempt_failed(c, rc, &err);
        return;
    }
    sigc_keepalive_start(c); /* watches the attempt's deadline */
}

/* Leaves the cycle without a connection: waiters learn status, DISCONNECTED is reported. */
static void end_cycle(actr_sigc_t *c, int status, const actr_error_t *err,
                      actr_sigc_reason_t reason)
{
    sigc_cycle_stop(c);
    sigc_keepalive_stop(c);
    c->state = ACTR_SIGC_DISCONNECTED;
    sigc_waiters_complete(c, &c->connect_waiters, status, err);
    sigc_emit(c, ACTR_SIGC_DISCONNECTED, reason, err ? err->wire_code : 0, 0,
              err ? err->message : "");
    if (c->destroying || c->state != ACTR_SIGC_DISCONNECTED || c->cycle_active ||
        c->retry_waiting)
        return;
    if (reason == ACTR_SIGC_REASON_CREDENTIAL_REJECTED) {
        c->credential_paused = true;
        return;
    }
    if (c->want_connected && c->cfg.retry.auto_reconnect) {
        uint64_t cooldown = c->cfg.retry.cooldown_ms ? c->cfg.retry.cooldown_ms
                                                     : 2 * (uint64_t)c->cfg.retry.max_ms;
        actr_logf(ACTR_LOG_WARN, SIGC_LOG, "reconnect attempts exhausted; next cycle in %llu ms",
                  (unsigned long long)cooldown);
        arm_retry(c, cooldown);
    }
}

void sigc_attempt_failed(actr_sigc_t *c, int status, const actr_error_t *err)
{
    if (c->conn)
        sigc_conn_detach(c, 0);
    sigc_keepalive_stop(c);
    if (c->destroying || !c->cycle_active)
        return;
    char id[ACTR_ID_STR_SIZE];
    actr_id_format(&c->id, id, sizeof id, NULL);
    const char *why = err && err->message[0] ? err->message : actr_strerror(status);
    if (err && (err->wire_code == 401 || err->wire_code == 403)) {
        actr_log(ACTR_LOG_WARN, SIGC_LOG, "signaling refused the credential",
                 ACTR_KV("actor_id", id), ACTR_KV("detail", why));
        end_cycle(c, ACTR_EPERM, err, ACTR_SIGC_REASON_CREDENTIAL_REJECTED);
        return;
    }
    uint64_t delay = 0;
    if (c->attempt <= c->cfg.retry.max_attempts && actr_backoff_next(&c->backoff, &delay) == 0) {
        char attempt[16], ms[24];
        snprintf(attempt, sizeof attempt, "%u", c->attempt);
        snprintf(ms, sizeof ms, "%llu", (unsigned long long)delay);
        actr_log(ACTR_LOG_INFO, SIGC_LOG, "signaling connect attempt failed",
                 ACTR_KV("attempt", attempt), ACTR_KV("retry_in_ms", ms), ACTR_KV("detail", why));
        arm_retry(c, delay);
        return;
    }
    actr_log(ACTR_LOG_WARN, SIGC_LOG, "signaling connect failed", ACTR_KV("actor_id", id),
             ACTR_KV("detail", why));
    end_cycle(c, status, err, ACTR_SIGC_REASON_CONNECT_FAILED);
}

void sigc_attempt_succeeded(actr_sigc_t *c)
{
    bool automatic = c->cycle_auto;
    sigc_cycle_stop(c);
    actr_backoff_reset(&c->backoff);
    c->credential_paused = false;
    c->want_connected = true;
    c->state = ACTR_SIGC_CONNECTED;
    sigc_keepalive_start(c); /* liveness and Ping periods count from now */
    c->stats.connects++;
    if (automatic)
        c->stats.reconnects++;
    char id[ACTR_ID_STR_SIZE];
    actr_id_format(&c->id, id, sizeof id, NULL);
    actr_log(ACTR_LOG_INFO, SIGC_LOG, "signaling connected", ACTR_KV("actor_id", id),
             ACTR_KV("url", c->url.normalized));
    sigc_emit(c, ACTR_SIGC_CONNECTED, ACTR_SIGC_REASON_NONE, 0, 0, "connected");
    if (c->state != ACTR_SIGC_CONNECTED)
        return;
    sigc_waiters_complete(c, &c->connect_waiters, 0, NULL);
    if (c->state == ACTR_SIGC_CONNECTED)
        sigc_heartbeat_on_connected(c);
}

/* Everything that depends on the connection ends; then DISCONNECTED is reported. */
static void teardown(actr_sigc_t *c, actr_sigc_reason_t reason, uint16_t close_code,
                     const char *detail, uint16_t send_close)
{
    bool was_connected = c->state == ACTR_SIGC_CONNECTED;
    if (c->conn)
        sigc_conn_detach(c, send_close);
    sigc_keepalive_stop(c);
    sigc_queue_clear(c);
    c->state = ACTR_SIGC_DISCONNECTED;
    if (was_connected)
        c->stats.disconnects++;
    sigc_heartbeat_on_lost(c);
    sigc_requests_fail_all(c, ACTR_ECLOSED);
    sigc_probe_fail(c, ACTR_ECLOSED);
    if (was_connected || reason == ACTR_SIGC_REASON_MANUAL)
        sigc_emit(c, ACTR_SIGC_DISCONNECTED, reason, 0, close_code, detail);
}

void sigc_lost(actr_sigc_t *c, actr_sigc_reason_t reason, uint16_t close_code,
               const char *detail)
{
    if (c->destroying || c->state != ACTR_SIGC_CONNECTED)
        return;
    char id[ACTR_ID_STR_SIZE], code[8];
    actr_id_format(&c->id, id, sizeof id, NULL);
    snprintf(code, sizeof code, "%u", close_code);
    actr_log(ACTR_LOG_WARN, SIGC_LOG, "signaling connection lost", ACTR_KV("actor_id", id),
             ACTR_KV("reason", actr_sigc_reason_name(reason)), ACTR_KV("close_code", code),
             ACTR_KV("detail", detail));
    teardown(c, reason, close_code, detail, 0); /* a dead or closed socket gets no close frame */
    /* A displaced client does not take the socket back: two owners would evict each other. */
    if (!c->destroying && c->state == ACTR_SIGC_DISCONNECTED && !c->cycle_active &&
        !c->retry_waiting && c->want_connected && c->cfg.retry.auto_reconnect &&
        reason != ACTR_SIGC_REASON_DISPLACED)
        sigc_cycle_start(c, true);
}

int actr_sigc_connect(actr_sigc_t *c, actr_sigc_done_cb done, void *userdata)
{
    if (!c || c->destroying)
        return ACTR_ESTATE;
    if (c->state == ACTR_SIGC_CONNECTED) {
        if (done) {
            if (sigc_waiter_add(&c->ready_waiters, done, userdata))
                return ACTR_ENOMEM;
            sigc_defer_kick(c);
        }
        return 0;
    }
    if (done && sigc_waiter_add(&c->connect_waiters, done, userdata))
        return ACTR_ENOMEM;
    c->credential_paused = false;
    sigc_cycle_start(c, false);
    return 0;
}

void actr_sigc_disconnect(actr_sigc_t *c)
{
    if (!c || c->destroying)
        return;
    bool active = c->state != ACTR_SIGC_DISCONNECTED || c->cycle_active || c->retry_waiting;
    c->want_connected = false;
    c->credential_paused = false;
    sigc_cycle_stop(c);
    actr_error_t err;
    actr_error_set(&err, ACTR_ECANCELED, ACTR_KIND_CLIENT, 0, "disconnected by the caller");
    sigc_waiters_complete(c, &c->connect_waiters, ACTR_ECANCELED, &err);
    sigc_waiters_complete(c, &c->ready_waiters, ACTR_ECANCELED, &err);
    if (!active || c->destroying)
        return;
    actr_log(ACTR_LOG_INFO, SIGC_LOG, "signaling disconnect requested");
    teardown(c, ACTR_SIGC_REASON_MANUAL, 0, "disconnected by the caller",
             LWS_CLOSE_STATUS_NORMAL);
}
