/*
 * keepalive.c - the tick that watches a connection (protocol.md 6.2, runtime.md 3.1):
 *
 *   - an attempt that is not up within connect_timeout_ms fails (ETIMEDOUT);
 *   - a WebSocket Ping with an empty payload every ping_interval_ms;
 *   - any inbound message or Pong is proof of life; none for liveness_timeout_ms means the
 *     connection is dead (PONG_TIMEOUT);
 *   - a frame queued longer than send_timeout_ms means the socket is stuck (SEND_TIMEOUT);
 *   - probes: a Ping carrying "actr-signaling-probe-<n>-<unix>" that must come back as a Pong
 *     before its deadline, otherwise the connection is dead as well.
 *
 * The tick runs only while there is an attempt or a connection. Its period is a quarter of the
 * shortest of those intervals (at most 250 ms), so each check fires at most that late.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "wire/signaling/sigc_internal.h"

#define SIGC_TICK_MAX_MS 250
#define SIGC_TICK_MIN_MS 10
#define SIGC_PROBE_DEFAULT_MS 1000

static uint64_t tick_period(const actr_sigc_t *c)
{
    uint64_t shortest = c->cfg.ping_interval_ms;
    if (c->cfg.liveness_timeout_ms < shortest)
        shortest = c->cfg.liveness_timeout_ms;
    if (c->cfg.send_timeout_ms < shortest)
        shortest = c->cfg.send_timeout_ms;
    uint64_t p = shortest / 4;
    return p > SIGC_TICK_MAX_MS ? SIGC_TICK_MAX_MS : p < SIGC_TICK_MIN_MS ? SIGC_TICK_MIN_MS : p;
}

static void attempt_check(actr_sigc_t *c, uint64_t now)
{
    if (now < c->attempt_deadline_ms)
        return;
    actr_error_t err;
    actr_error_set(&err, ACTR_ETIMEDOUT, ACTR_KIND_TRANSIENT, 0,
                   "no connection within %" PRIu32 " ms", c->cfg.connect_timeout_ms);
    sigc_attempt_failed(c, ACTR_ETIMEDOUT, &err);
}

static void connection_check(actr_sigc_t *c, uint64_t now)
{
    char detail[96];
    if (now - c->last_rx_ms > c->cfg.liveness_timeout_ms) {
        snprintf(detail, sizeof detail, "nothing received for %" PRIu64 " ms",
                 now - c->last_rx_ms);
        sigc_lost(c, ACTR_SIGC_REASON_PONG_TIMEOUT, 0, detail);
        return;
    }
    if (c->q_head && now - c->q_head->queued_ms > c->cfg.send_timeout_ms) {
        snprintf(detail, sizeof detail, "a frame waited %" PRIu64 " ms to be written",
                 now - c->q_head->queued_ms);
        sigc_lost(c, ACTR_SIGC_REASON_SEND_TIMEOUT, 0, detail);
        return;
    }
    if (c->probe_active && now >= c->probe_deadline_ms) {
        sigc_probe_fail(c, ACTR_ETIMEDOUT);
        sigc_lost(c, ACTR_SIGC_REASON_PONG_TIMEOUT, 0, "probe Ping unanswered");
        return;
    }
    if (now - c->last_ping_ms >= c->cfg.ping_interval_ms) {
        c->last_ping_ms = now;
        c->ping_due = true;
        sigc_conn_want_write(c);
    }
}

static void tick_cb(uv_timer_t *t)
{
    actr_sigc_t *c = t->data;
    if (c->destroying || !c->conn) {
        uv_timer_stop(t);
        return;
    }
    uint64_t now = sigc_now_ms(c);
    if (c->conn->established)
        connection_check(c, now);
    else
        attempt_check(c, now);
}

void sigc_keepalive_start(actr_sigc_t *c)
{
    uint64_t now = sigc_now_ms(c);
    c->last_rx_ms = now;
    c->last_ping_ms = now;
    c->ping_due = false;
    uint64_t period = tick_period(c);
    uv_timer_start(&c->t_tick, tick_cb, period, period);
}

void sigc_keepalive_stop(actr_sigc_t *c)
{
    uv_timer_stop(&c->t_tick);
    c->ping_due = false;
}

void sigc_keepalive_on_rx(actr_sigc_t *c)
{
    c->last_rx_ms = sigc_now_ms(c);
}

int sigc_keepalive_write(actr_sigc_t *c, struct lws *wsi)
{
    unsigned char buf[LWS_PRE + sizeof c->probe_payload];
    size_t len = 0;
    if (c->probe_due) {
        c->probe_due = false;
        len = c->probe_len;
        memcpy(buf + LWS_PRE, c->probe_payload, len);
    } else if (c->ping_due) {
        c->ping_due = false;
    } else {
        return 0;
    }
    c->stats.pings++;
    int n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_PING);
    return n < 0 || (size_t)n < len ? -1 : 1;
}

void sigc_keepalive_on_pong(actr_sigc_t *c, const void *payload, size_t len)
{
    c->stats.pongs++;
    if (!c->probe_active || len != c->probe_len || memcmp(payload, c->probe_payload, len) != 0)
        return;
    c->probe_active = false;
    sigc_waiters_complete(c, &c->probe_waiters, 0, NULL);
}

void sigc_probe_fail(actr_sigc_t *c, int status)
{
    c->probe_active = false;
    c->probe_due = false;
    if (!c->probe_waiters)
        return;
    actr_error_t err;
    actr_error_set(&err, status, ACTR_KIND_TRANSIENT, 0, "%s",
                   status == ACTR_ETIMEDOUT ? "probe Ping unanswered" : "connection lost");
    sigc_waiters_complete(c, &c->probe_waiters, status, &err);
}

int actr_sigc_probe(actr_sigc_t *c, uint32_t timeout_ms, actr_sigc_done_cb done,
                    void *userdata)
{
    if (!c || c->destroying)
        return ACTR_ESTATE;
    if (c->state != ACTR_SIGC_CONNECTED)
        return ACTR_EUNAVAILABLE;
    if (sigc_waiter_add(&c->probe_waiters, done, userdata))
        return ACTR_ENOMEM;
    if (c->probe_active)
        return 0; /* one Ping answers everyone */
    c->probe_active = true;
    c->probe_due = true;
    c->probe_seq++;
    c->probe_deadline_ms = sigc_now_ms(c) + (timeout_ms ? timeout_ms : SIGC_PROBE_DEFAULT_MS);
    int n = snprintf(c->probe_payload, sizeof c->probe_payload,
                     "actr-signaling-probe-%" PRIu64 "-%" PRId64, c->probe_seq,
                     actr_clock_wall_s());
    c->probe_len = (size_t)n;
    sigc_conn_want_write(c);
    return 0;
}
