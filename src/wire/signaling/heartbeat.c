/*
 * heartbeat.c - Ping envelopes (protocol.md 7.1 step 3, runtime.md 12.4): the first as soon as
 * the heartbeat runs on a connection (at once, and again after every reconnect), then every
 * interval. Each waits max(1 s, 0.4 x interval) for its Pong. The result goes to on_result; the
 * credential manager renews on credential_warning (Pong) or credential_expired (error 401) and
 * then calls actr_sigc_set_identity().
 */
#include <stdint.h>

#include "actr/log.h"
#include "wire/signaling/sigc_internal.h"

#define SIGC_HB_DEFAULT_MS 30000
#define SIGC_HB_MIN_WAIT_MS 1000

static uint32_t hb_wait_ms(const actr_sigc_t *c)
{
    uint64_t wait = (uint64_t)c->hb.interval_ms * 2 / 5;
    return wait < SIGC_HB_MIN_WAIT_MS ? SIGC_HB_MIN_WAIT_MS : (uint32_t)wait;
}

static void report(actr_sigc_t *c, const actr_sigc_hb_result_t *r)
{
    if (c->hb.on_result)
        c->hb.on_result(c, r, c->hb.userdata);
}

static void hb_reply(actr_sigc_t *c, int status, const Signaling__SignalingEnvelope *reply,
                     void *userdata)
{
    if ((uint64_t)(uintptr_t)userdata != c->hb_generation)
        return; /* stopped or restarted since */
    c->hb_in_flight = false;
    if (!c->hb_on)
        return;
    actr_sigc_hb_result_t r = {.kind = ACTR_SIGC_HB_PONG, .message = ""};
    const Signaling__SignalingToActr *to = NULL;
    if (reply && reply->flow_case == SIGNALING__SIGNALING_ENVELOPE__FLOW_SERVER_TO_ACTR)
        to = reply->server_to_actr;
    if (status == ACTR_ETIMEDOUT) {
        r.kind = ACTR_SIGC_HB_TIMEOUT;
    } else if (status) {
        r.kind = ACTR_SIGC_HB_FAILED;
        r.status = status;
    } else if (actr_sigc_reply_error(reply, &r.error_code, &r.message)) {
        r.kind = ACTR_SIGC_HB_ERROR;
        r.credential_expired = r.error_code == 401;
    } else if (to && to->payload_case == SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_PONG && to->pong) {
        r.pong = to->pong;
        r.credential_warning = to->pong->credential_warning != NULL;
    } else {
        r.kind = ACTR_SIGC_HB_ERROR;
        r.message = "the answer to a Ping was no Pong";
    }
    if (r.kind == ACTR_SIGC_HB_ERROR)
        actr_logf(ACTR_LOG_WARN, SIGC_LOG, "heartbeat answered with error %u: %s", r.error_code,
                  r.message);
    report(c, &r);
}

static void hb_send(actr_sigc_t *c)
{
    if (!c->hb_on || c->hb_in_flight || c->state != ACTR_SIGC_CONNECTED)
        return;
    Actr__Ping ping = ACTR__PING__INIT;
    ping.availability = ACTR__SERVICE_AVAILABILITY_STATE__FULL;
    ping.power_reserve = 1.0f;
    ping.mailbox_backlog = 0.0f;
    if (c->hb.sample)
        c->hb.sample(&ping, c->hb.userdata);
    Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
    msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_PING;
    msg.ping = &ping;
    int rc = actr_sigc_send_request(c, &msg, hb_wait_ms(c), hb_reply,
                                    (void *)(uintptr_t)c->hb_generation, NULL);
    if (rc) {
        actr_sigc_hb_result_t r = {.kind = ACTR_SIGC_HB_FAILED, .message = "", .status = rc};
        report(c, &r);
        return;
    }
    c->hb_in_flight = true;
    c->stats.heartbeats++;
}

static void hb_timer_cb(uv_timer_t *t)
{
    hb_send(t->data);
}

void sigc_heartbeat_on_connected(actr_sigc_t *c)
{
    if (!c->hb_on)
        return;
    uv_timer_start(&c->t_hb, hb_timer_cb, c->hb.interval_ms, c->hb.interval_ms);
    hb_send(c);
}

void sigc_heartbeat_on_lost(actr_sigc_t *c)
{
    uv_timer_stop(&c->t_hb);
}

int actr_sigc_heartbeat_start(actr_sigc_t *c, const actr_sigc_heartbeat_t *hb)
{
    if (!c || c->destroying)
        return ACTR_ESTATE;
    if (!hb)
        return ACTR_EINVAL;
    c->hb = *hb;
    if (!c->hb.interval_ms)
        c->hb.interval_ms = SIGC_HB_DEFAULT_MS;
    c->hb_on = true;
    c->hb_generation++;
    c->hb_in_flight = false;
    if (c->state == ACTR_SIGC_CONNECTED)
        sigc_heartbeat_on_connected(c);
    return 0;
}

void actr_sigc_heartbeat_stop(actr_sigc_t *c)
{
    if (!c || c->destroying)
        return;
    c->hb_on = false;
    c->hb_generation++;
    c->hb_in_flight = false;
    uv_timer_stop(&c->t_hb);
}
