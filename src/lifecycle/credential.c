/*
 * credential.c - the credential manager state machine (see credential.h for the transitions).
 */
#include "lifecycle/credential.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"

#define LOG_MODULE "credential"

typedef enum op_kind { OP_NONE = 0, OP_RENEW, OP_REGISTER } op_kind_t;

struct actr_credential_manager {
    actr_credential_config_t cfg;
    actr_credential_effects_t fx;
    bool has_session;
    actr_credential_session_t s;
    actr_credential_phase_t phase;
    bool stopped;
    uint64_t last_op;      /* op ids are never reused */
    uint64_t inflight_op;  /* 0: none */
    op_kind_t inflight_kind;
    bool rebind_pending;   /* the next attempt is a /register */
    int64_t renew_at_ms;   /* proactive renewal of the current credential */
    int64_t retry_at_ms;   /* after a failure; 0: none */
    bool expiring_fired;   /* CREDENTIAL_EXPIRING sent by the timer path for this credential */
    bool timer_armed;
    actr_backoff_t backoff;
};

static const char *const PHASE_NAMES[] = {"active", "rebinding", "realm_unavailable"};

const char *actr_credential_phase_name(actr_credential_phase_t phase)
{
    return (unsigned)phase < 3 ? PHASE_NAMES[phase] : "?";
}

void actr_credential_config_default(actr_credential_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->expiry_warning_ms = 300000;
    cfg->renew_percent = 80;
    cfg->min_renew_delay_ms = 10000;
    cfg->backoff = (actr_backoff_config_t){5000, 60000, 2.0, 0.2, 0};
}

static int64_t now_ms(const actr_credential_manager_t *m)
{
    return m->fx.now_ms ? m->fx.now_ms(m->fx.self) : actr_clock_wall_ms();
}

int actr_credential_new(const actr_credential_config_t *cfg, const actr_credential_effects_t *fx,
                        actr_credential_manager_t **out)
{
    *out = NULL;
    if (!fx || !fx->start_renew || !fx->start_register || !fx->arm_timer || !fx->cancel_timer ||
        !fx->credential_updated || !fx->rebind)
        return ACTR_EINVAL;
    actr_credential_config_t c;
    if (cfg)
        c = *cfg;
    else
        actr_credential_config_default(&c);
    if (c.renew_percent < 1 || c.renew_percent > 99)
        return ACTR_EINVAL;
    actr_credential_manager_t *m = calloc(1, sizeof *m);
    if (!m)
        return ACTR_ENOMEM;
    if (actr_backoff_init(&m->backoff, &c.backoff) != 0) {
        free(m);
        return ACTR_EINVAL;
    }
    m->cfg = c;
    m->fx = *fx;
    *out = m;
    return 0;
}

void actr_credential_free(actr_credential_manager_t *m)
{
    if (!m)
        return;
    actr_credential_stop(m);
    free(m);
}

void actr_credential_set_backoff_random(actr_credential_manager_t *m, actr_backoff_random_fn fn,
                                        void *ctx)
{
    actr_backoff_set_random(&m->backoff, fn, ctx);
}

/* ---- schedule ----------------------------------------------------------------------------- */

int64_t actr_credential_renew_at_ms(const actr_credential_config_t *cfg,
                                    const actr_credential_session_t *s)
{
    int64_t recv = s->received_at_ms;
    int64_t exp = actr_ais_grant_expires_at(&s->grant);
    exp = exp > INT64_MAX / 1000 ? INT64_MAX / 2 : exp * 1000;
    int64_t life = exp - recv;
    int64_t at = recv + life / 100 * (int64_t)cfg->renew_percent;
    int64_t warn = (int64_t)(cfg->expiry_warning_ms > (uint64_t)INT64_MAX / 4
                                 ? (uint64_t)INT64_MAX / 4
                                 : cfg->expiry_warning_ms);
    if (exp - warn < at)
        at = exp - warn;
    if (at < recv + life / 2)
        at = recv + life / 2; /* a warning longer than half the lifetime */
    int64_t floor = recv + (int64_t)cfg->min_renew_delay_ms;
    return at < floor ? floor : at;
}

static void phase_set(actr_credential_manager_t *m, actr_credential_phase_t phase)
{
    if (m->phase == phase)
        return;
    m->phase = phase;
    actr_log(ACTR_LOG_INFO, LOG_MODULE, "phase changed", ACTR_KV("phase",
             actr_credential_phase_name(phase)));
    if (m->fx.phase_changed)
        m->fx.phase_changed(m->fx.self, phase);
}

static void hook(actr_credential_manager_t *m, actr_credential_hook_t h)
{
    if (m->fx.hook)
        m->fx.hook(m->fx.self, h, actr_ais_grant_expires_at(&m->s.grant));
}

int64_t actr_credential_next_attempt_ms(const actr_credential_manager_t *m)
{
    if (!m->has_session || m->stopped || m->phase == ACTR_CRED_REALM_UNAVAILABLE || m->inflight_op)
        return -1;
    return m->retry_at_ms ? m->retry_at_ms : m->renew_at_ms;
}

/* Arms the timer for the next planned attempt, or cancels it when there is none. */
static void rearm(actr_credential_manager_t *m)
{
    int64_t at = actr_credential_next_attempt_ms(m);
    if (at < 0) {
        if (m->timer_armed) {
            m->timer_armed = false;
            m->fx.cancel_timer(m->fx.self);
        }
        return;
    }
    int64_t now = now_ms(m);
    m->timer_armed = true;
    m->fx.arm_timer(m->fx.self, at > now ? (uint64_t)(at - now) : 0);
}

/* A fresh credential for this session: forget failures, plan the proactive renewal. */
static void credential_fresh(actr_credential_manager_t *m, const actr_ais_grant_t *g)
{
    m->s.grant = *g;
    m->s.received_at_ms = now_ms(m);
    m->renew_at_ms = actr_credential_renew_at_ms(&m->cfg, &m->s);
    m->retry_at_ms = 0;
    m->rebind_pending = false;
    m->expiring_fired = false;
    actr_backoff_reset(&m->backoff);
}

/* ---- attempts ----------------------------------------------------------------------------- */

static void on_failure(actr_credential_manager_t *m, const actr_ais_result_t *res);

static bool token_usable(const actr_credential_manager_t *m)
{
    const actr_ais_grant_t *g = &m->s.grant;
    if (!g->has_renewal_token)
        return false;
    return !g->has_renewal_token_expires_at || g->renewal_token_expires_at * 1000 > now_ms(m);
}

static void start_attempt(actr_credential_manager_t *m)
{
    if (!m->rebind_pending && !token_usable(m)) {
        m->rebind_pending = true;
        actr_log(ACTR_LOG_WARN, LOG_MODULE, "renewal token missing or expired: hard rebind",
                 ACTR_KV("actor_id", m->s.grant.actr_id_str));
    }
    uint64_t op = ++m->last_op;
    m->inflight_op = op;
    m->inflight_kind = m->rebind_pending ? OP_REGISTER : OP_RENEW;
    m->retry_at_ms = 0;
    if (m->timer_armed) {
        m->timer_armed = false;
        m->fx.cancel_timer(m->fx.self);
    }
    int rc = m->inflight_kind == OP_REGISTER
                 ? m->fx.start_register(m->fx.self, op)
                 : m->fx.start_renew(m->fx.self, op, &m->s.grant.actr_id, m->s.grant.renewal_token);
    if (rc != 0 && m->inflight_op == op) {
        actr_ais_result_t res = {.status = ACTR_AIS_RETRYABLE, .code = rc};
        snprintf(res.message, sizeof res.message, "AIS call could not start: %s",
                 actr_strerror(rc));
        m->inflight_op = 0;
        on_failure(m, &res);
    }
}

int actr_credential_trigger_renewal(actr_credential_manager_t *m)
{
    if (!m->has_session || m->stopped || m->phase == ACTR_CRED_REALM_UNAVAILABLE)
        return ACTR_ESTATE;
    if (m->inflight_op)
        return 0;
    if (m->retry_at_ms && m->retry_at_ms > now_ms(m))
        return ACTR_EAGAIN;
    start_attempt(m);
    /* A call that failed to start (or failed at once) now waits for its retry. */
    return m->inflight_op || !m->retry_at_ms ? 0 : ACTR_EAGAIN;
}

int actr_credential_on_expiring(actr_credential_manager_t *m)
{
    if (!m->has_session || m->stopped)
        return ACTR_ESTATE;
    hook(m, ACTR_CRED_HOOK_EXPIRING);
    return actr_credential_trigger_renewal(m);
}

void actr_credential_on_timer(actr_credential_manager_t *m)
{
    m->timer_armed = false;
    int64_t at = actr_credential_next_attempt_ms(m);
    if (at < 0)
        return;
    int64_t now = now_ms(m);
    if (now < at) { /* early (clock adjusted): wait for the rest */
        rearm(m);
        return;
    }
    int64_t exp_ms = actr_ais_grant_expires_at(&m->s.grant) * 1000;
    if (!m->expiring_fired && now >= exp_ms - (int64_t)m->cfg.expiry_warning_ms) {
        m->expiring_fired = true;
        hook(m, ACTR_CRED_HOOK_EXPIRING);
    }
    start_attempt(m);
}

/* ---- results ------------------------------------------------------------------------------ */

static void on_failure(actr_credential_manager_t *m, const actr_ais_result_t *res)
{
    const char *what = m->rebind_pending ? "rebind" : "renewal";
    if (res->status == ACTR_AIS_REALM_UNAVAILABLE) {
        actr_log(ACTR_LOG_ERROR, LOG_MODULE, "realm unavailable: credential renewal stops",
                 ACTR_KV("actor_id", m->s.grant.actr_id_str), ACTR_KV("reason", res->message));
        m->retry_at_ms = 0;
        phase_set(m, ACTR_CRED_REALM_UNAVAILABLE);
        rearm(m);
        return;
    }
    uint64_t delay;
    if (res->status == ACTR_AIS_RATE_LIMITED) {
        delay = res->retry_after_ms;
    } else if (actr_backoff_next(&m->backoff, &delay) != 0) {
        delay = m->cfg.backoff.max_ms;
    }
    char ms[24];
    snprintf(ms, sizeof ms, "%" PRIu64, delay);
    actr_log(ACTR_LOG_WARN, LOG_MODULE, "credential call failed: retrying", ACTR_KV("call", what),
             ACTR_KV("class", actr_ais_status_name(res->status)), ACTR_KV("retry_in_ms", ms),
             ACTR_KV("reason", res->message));
    m->retry_at_ms = now_ms(m) + (int64_t)delay;
    if (m->retry_at_ms == 0)
        m->retry_at_ms = 1;
    rearm(m);
}

static void renew_done(actr_credential_manager_t *m, const actr_ais_result_t *res)
{
    if (res->status == ACTR_AIS_OK && !actr_id_equal(&res->grant.actr_id, &m->s.grant.actr_id)) {
        actr_ais_result_t bad = {.status = ACTR_AIS_PROTOCOL_ERROR, .code = ACTR_EPROTO};
        snprintf(bad.message, sizeof bad.message, "renew answered another ActrId: %.64s",
                 res->grant.actr_id_str);
        on_failure(m, &bad);
        return;
    }
    switch (res->status) {
    case ACTR_AIS_OK:
        credential_fresh(m, &res->grant);
        rearm(m);
        m->fx.credential_updated(m->fx.self, &m->s);
        hook(m, ACTR_CRED_HOOK_RENEWED);
        return;
    case ACTR_AIS_TOKEN_REJECTED:
        actr_log(ACTR_LOG_WARN, LOG_MODULE, "renewal token rejected: hard rebind",
                 ACTR_KV("actor_id", m->s.grant.actr_id_str), ACTR_KV("reason", res->message));
        m->rebind_pending = true;
        start_attempt(m);
        return;
    default:
        on_failure(m, res);
        return;
    }
}

static void register_done(actr_credential_manager_t *m, const actr_ais_result_t *res)
{
    if (res->status != ACTR_AIS_OK) {
        on_failure(m, res);
        return;
    }
    char old[ACTR_ID_STR_SIZE];
    memcpy(old, m->s.grant.actr_id_str, sizeof old);
    credential_fresh(m, &res->grant);
    m->s.generation++;
    actr_log(ACTR_LOG_INFO, LOG_MODULE, "hard rebind: new identity", ACTR_KV("old", old),
             ACTR_KV("new", m->s.grant.actr_id_str));
    phase_set(m, ACTR_CRED_REBINDING);
    rearm(m);
    m->fx.rebind(m->fx.self, &m->s);
}

int actr_credential_on_ais_result(actr_credential_manager_t *m, uint64_t op,
                                  const actr_ais_result_t *res)
{
    if (!res || op == 0 || op != m->inflight_op || m->stopped)
        return ACTR_ESTATE;
    op_kind_t kind = m->inflight_kind;
    m->inflight_op = 0;
    m->inflight_kind = OP_NONE;
    if (kind == OP_RENEW)
        renew_done(m, res);
    else
        register_done(m, res);
    return 0;
}

int actr_credential_rebind_done(actr_credential_manager_t *m, uint64_t generation)
{
    if (!m->has_session || m->stopped || generation != m->s.generation ||
        m->phase != ACTR_CRED_REBINDING)
        return ACTR_ESTATE;
    phase_set(m, ACTR_CRED_ACTIVE);
    return 0;
}

/* ---- install and stop --------------------------------------------------------------------- */

uint64_t actr_credential_install(actr_credential_manager_t *m, const actr_ais_grant_t *grant)
{
    m->stopped = false;
    m->inflight_op = 0; /* a late result of an earlier call is now stale */
    m->inflight_kind = OP_NONE;
    m->has_session = true;
    credential_fresh(m, grant);
    m->s.generation++;
    phase_set(m, ACTR_CRED_ACTIVE);
    rearm(m);
    return m->s.generation;
}

void actr_credential_stop(actr_credential_manager_t *m)
{
    m->stopped = true;
    m->inflight_op = 0;
    m->inflight_kind = OP_NONE;
    m->retry_at_ms = 0;
    if (m->timer_armed) {
        m->timer_armed = false;
        m->fx.cancel_timer(m->fx.self);
    }
}

actr_credential_phase_t actr_credential_phase(const actr_credential_manager_t *m)
{
    return m->phase;
}

const actr_credential_session_t *actr_credential_session(const actr_credential_manager_t *m)
{
    return m->has_session ? &m->s : NULL;
}

uint64_t actr_credential_generation(const actr_credential_manager_t *m)
{
    return m->has_session ? m->s.generation : 0;
}

uint64_t actr_credential_op_in_flight(const actr_credential_manager_t *m)
{
    return m->inflight_op;
}
