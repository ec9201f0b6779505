/*
 * The credential manager state machine (src/lifecycle/credential.c) with a fake clock, fake AIS
 * results and recorded effects: proactive schedule, single flight, soft renew, hard rebind and
 * its generation bump, RealmUnavailable, Retry-After, backoff, stale results.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lifecycle/credential.h"

#define T0 1700000000000LL /* fake wall clock start, Unix ms */

typedef struct world {
    int64_t now;
    int start_rc;          /* what start_renew/start_register return */
    bool complete_inline;  /* start_renew completes synchronously with inline_result */
    actr_ais_result_t inline_result;
    actr_credential_manager_t *m;
    int renews, registers;
    uint64_t last_op;
    actr_id_t renew_id;
    uint8_t renew_token[ACTR_AIS_RENEWAL_TOKEN_LEN];
    bool armed;
    int64_t armed_at;
    int cancels;
    int updates, rebinds;
    actr_credential_session_t last_update, last_rebind;
    actr_credential_phase_t phases[16];
    int nphases;
    int renewed_hooks, expiring_hooks;
    int64_t hook_expiry;
} world_t;

static world_t W;

static int fx_start_renew(void *self, uint64_t op, const actr_id_t *id, const uint8_t token[32])
{
    world_t *w = self;
    w->renews++;
    w->last_op = op;
    w->renew_id = *id;
    memcpy(w->renew_token, token, 32);
    if (w->start_rc == 0 && w->complete_inline)
        assert_int_equal(actr_credential_on_ais_result(w->m, op, &w->inline_result), 0);
    return w->start_rc;
}

static int fx_start_register(void *self, uint64_t op)
{
    world_t *w = self;
    w->registers++;
    w->last_op = op;
    return w->start_rc;
}

static void fx_arm(void *self, uint64_t delay_ms)
{
    world_t *w = self;
    w->armed = true;
    w->armed_at = w->now + (int64_t)delay_ms;
}

static void fx_cancel(void *self)
{
    world_t *w = self;
    w->armed = false;
    w->cancels++;
}

static void fx_updated(void *self, const actr_credential_session_t *s)
{
    world_t *w = self;
    w->updates++;
    w->last_update = *s;
}

static void fx_rebind(void *self, const actr_credential_session_t *s)
{
    world_t *w = self;
    w->rebinds++;
    w->last_rebind = *s;
}

static void fx_phase(void *self, actr_credential_phase_t phase)
{
    world_t *w = self;
    if (w->nphases < 16)
        w->phases[w->nphases++] = phase;
}

static void fx_hook(void *self, actr_credential_hook_t h, int64_t expiry)
{
    world_t *w = self;
    if (h == ACTR_CRED_HOOK_RENEWED)
        w->renewed_hooks++;
    else
        w->expiring_hooks++;
    w->hook_expiry = expiry;
}

static int64_t fx_now(void *self)
{
    return ((world_t *)self)->now;
}

static double mid_random(void *ctx)
{
    (void)ctx;
    return 0.5; /* cancels the jitter: delays are exactly 5, 10, 20, 40, 60, 60 s */
}

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof W);
    W.now = T0;
    actr_credential_effects_t fx = {
        .self = &W,
        .start_renew = fx_start_renew,
        .start_register = fx_start_register,
        .arm_timer = fx_arm,
        .cancel_timer = fx_cancel,
        .credential_updated = fx_updated,
        .rebind = fx_rebind,
        .phase_changed = fx_phase,
        .hook = fx_hook,
        .now_ms = fx_now,
    };
    assert_int_equal(actr_credential_new(NULL, &fx, &W.m), 0);
    actr_credential_set_backoff_random(W.m, mid_random, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    actr_credential_free(W.m);
    return 0;
}

/* A grant for serial, valid ttl_s from now, with a renewal token of token_byte (0: none). */
static actr_ais_grant_t grant(uint64_t serial, int64_t ttl_s, uint8_t token_byte, int64_t token_ttl_s)
{
    actr_ais_grant_t g;
    memset(&g, 0, sizeof g);
    g.actr_id.realm.realm_id = 101;
    g.actr_id.serial_number = serial;
    strcpy(g.actr_id.type.manufacturer, "acme");
    strcpy(g.actr_id.type.name, "echo");
    strcpy(g.actr_id.type.version, "1.0.0");
    actr_id_format(&g.actr_id, g.actr_id_str, sizeof g.actr_id_str, NULL);
    int64_t now_s = W.now / 1000;
    g.credential.expires_at = (uint64_t)(now_s + ttl_s);
    g.has_credential_expires_at = true;
    g.credential_expires_at = now_s + ttl_s;
    g.heartbeat_interval_secs = 30;
    if (token_byte) {
        g.has_renewal_token = g.has_renewal_token_expires_at = true;
        memset(g.renewal_token, token_byte, sizeof g.renewal_token);
        g.renewal_token_expires_at = now_s + token_ttl_s;
    }
    return g;
}

static actr_ais_result_t ok(const actr_ais_grant_t *g)
{
    actr_ais_result_t r = {.status = ACTR_AIS_OK, .http_status = 200};
    r.grant = *g;
    return r;
}

static actr_ais_result_t failed(actr_ais_status_t status, uint64_t retry_after_ms)
{
    actr_ais_result_t r = {.status = status, .code = ACTR_EUNAVAILABLE, .retry_after_ms = retry_after_ms};
    snprintf(r.message, sizeof r.message, "fake %s", actr_ais_status_name(status));
    return r;
}

/* Advances the clock to the armed deadline and fires the timer. */
static void fire_timer(void)
{
    assert_true(W.armed);
    W.now = W.armed_at;
    W.armed = false;
    actr_credential_on_timer(W.m);
}

static void test_schedule(void **state)
{
    (void)state;
    actr_credential_config_t cfg;
    actr_credential_config_default(&cfg);
    actr_credential_session_t s = {0};
    s.received_at_ms = T0;
    /* 1 h: 80 % (2880 s) comes before expiry - 300 s (3300 s). */
    s.grant = grant(1, 3600, 1, 86400);
    assert_int_equal(actr_credential_renew_at_ms(&cfg, &s), T0 + 2880000);
    /* 20 min: expiry - 300 s (900 s) comes before 80 % (960 s). */
    s.grant = grant(1, 1200, 1, 86400);
    assert_int_equal(actr_credential_renew_at_ms(&cfg, &s), T0 + 900000);
    /* 10 min: expiry - warning = half the lifetime. */
    s.grant = grant(1, 600, 1, 86400);
    assert_int_equal(actr_credential_renew_at_ms(&cfg, &s), T0 + 300000);
    /* 60 s: the warning is longer than the lifetime: half-life, not a renewal loop. */
    s.grant = grant(1, 60, 1, 86400);
    assert_int_equal(actr_credential_renew_at_ms(&cfg, &s), T0 + 30000);
    /* 5 s and an already expired credential: the 10 s floor. */
    s.grant = grant(1, 5, 1, 86400);
    assert_int_equal(actr_credential_renew_at_ms(&cfg, &s), T0 + 10000);
    s.grant = grant(1, -100, 1, 86400);
    assert_int_equal(actr_credential_renew_at_ms(&cfg, &s), T0 + 10000);
    /* credential_expires_at earlier than the claims wins. */
    s.grant = grant(1, 3600, 1, 86400);
    s.grant.credential_expires_at -= 1000;
    assert_int_equal(actr_credential_renew_at_ms(&cfg, &s), T0 + 2080000);
}

static void test_proactive_soft_renew(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(0x1a2b, 3600, 0x11, 86400);
    assert_int_equal(actr_credential_install(W.m, &g), 1);
    assert_int_equal(actr_credential_phase(W.m), ACTR_CRED_ACTIVE);
    assert_true(W.armed);
    assert_int_equal(W.armed_at, T0 + 2880000);
    assert_int_equal(actr_credential_next_attempt_ms(W.m), T0 + 2880000);

    fire_timer();
    assert_int_equal(W.renews, 1);
    assert_int_equal(W.registers, 0);
    assert_true(actr_id_equal(&W.renew_id, &g.actr_id));
    assert_int_equal(W.renew_token[0], 0x11);
    assert_int_equal(W.expiring_hooks, 0); /* 80 % is before the warning window */
    assert_int_equal(actr_credential_op_in_flight(W.m), W.last_op);
    assert_false(W.armed);

    /* Same identity, new credential and a rotated token. */
    actr_ais_grant_t g2 = grant(0x1a2b, 3600, 0x22, 86400);
    actr_ais_result_t r = ok(&g2);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(W.updates, 1);
    assert_int_equal(W.renewed_hooks, 1);
    assert_int_equal(W.hook_expiry, W.now / 1000 + 3600);
    assert_int_equal(W.rebinds, 0);
    assert_int_equal(actr_credential_generation(W.m), 1);
    assert_int_equal(W.last_update.generation, 1);
    assert_int_equal(W.last_update.grant.renewal_token[0], 0x22);
    assert_int_equal(actr_credential_session(W.m)->grant.renewal_token[0], 0x22);
    assert_int_equal(actr_credential_op_in_flight(W.m), 0);
    /* The next renewal is planned from the new credential's receipt. */
    assert_true(W.armed);
    assert_int_equal(W.armed_at, W.now + 2880000);
    fire_timer();
    assert_int_equal(W.renews, 2);
    assert_int_equal(W.renew_token[0], 0x22);
}

static void test_single_flight(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(7, 3600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    uint64_t op = W.last_op;
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    assert_int_equal(actr_credential_on_expiring(W.m), 0);
    assert_int_equal(actr_credential_on_expiring(W.m), 0);
    assert_int_equal(W.renews, 1); /* joined, not repeated */
    assert_int_equal(W.expiring_hooks, 2); /* each signaling warning is reported, as the reference */
    assert_int_equal(actr_credential_op_in_flight(W.m), op);
    actr_credential_on_timer(W.m); /* a stray timer while in flight does nothing */
    assert_int_equal(W.renews, 1);

    actr_ais_result_t r = ok(&g);
    assert_int_equal(actr_credential_on_ais_result(W.m, op, &r), 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, op, &r), ACTR_ESTATE); /* only once */
    assert_int_equal(W.updates, 1);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    assert_int_equal(W.renews, 2);
    assert_true(W.last_op > op);
}

static void test_token_rejected_hard_rebind(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(7, 3600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    actr_ais_result_t r = failed(ACTR_AIS_TOKEN_REJECTED, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    /* At once a fresh /register, not a retry of /renew. */
    assert_int_equal(W.registers, 1);
    assert_int_equal(W.renews, 1);
    assert_int_equal(actr_credential_phase(W.m), ACTR_CRED_ACTIVE); /* old identity until done */
    assert_int_equal(actr_credential_generation(W.m), 1);

    actr_ais_grant_t g2 = grant(8, 3600, 0x33, 86400);
    r = ok(&g2);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(actr_credential_generation(W.m), 2);
    assert_int_equal(actr_credential_phase(W.m), ACTR_CRED_REBINDING);
    assert_int_equal(W.rebinds, 1);
    assert_int_equal(W.updates, 0);
    assert_int_equal(W.last_rebind.generation, 2);
    assert_int_equal(W.last_rebind.grant.actr_id.serial_number, 8);
    assert_int_equal(W.nphases, 1);
    assert_int_equal(W.phases[0], ACTR_CRED_REBINDING);

    assert_int_equal(actr_credential_rebind_done(W.m, 1), ACTR_ESTATE); /* old generation */
    assert_int_equal(actr_credential_phase(W.m), ACTR_CRED_REBINDING);
    assert_int_equal(actr_credential_rebind_done(W.m, 2), 0);
    assert_int_equal(actr_credential_phase(W.m), ACTR_CRED_ACTIVE);
    assert_int_equal(W.phases[1], ACTR_CRED_ACTIVE);
    assert_int_equal(actr_credential_rebind_done(W.m, 2), ACTR_ESTATE);

    /* The new identity renews with its own token. */
    assert_true(W.armed);
    fire_timer();
    assert_int_equal(W.renews, 2);
    assert_int_equal(W.renew_id.serial_number, 8);
    assert_int_equal(W.renew_token[0], 0x33);
}

static void test_missing_or_expired_token_rebinds(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(7, 3600, 0, 0); /* no renewal token */
    actr_credential_install(W.m, &g);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    assert_int_equal(W.registers, 1);
    assert_int_equal(W.renews, 0);

    g = grant(9, 3600, 0x11, 60); /* token dies after 60 s */
    assert_int_equal(actr_credential_install(W.m, &g), 2);
    W.now += 59000;
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    assert_int_equal(W.renews, 1);
    actr_ais_result_t r = failed(ACTR_AIS_RETRYABLE, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    fire_timer(); /* 5 s later the token has expired */
    assert_int_equal(W.renews, 1);
    assert_int_equal(W.registers, 2);
    actr_ais_grant_t g2 = grant(10, 3600, 0x44, 86400);
    r = ok(&g2);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(actr_credential_generation(W.m), 3);
    assert_int_equal(W.rebinds, 1);
}

static void test_realm_unavailable_stops(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(7, 3600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    actr_ais_result_t r = failed(ACTR_AIS_REALM_UNAVAILABLE, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(actr_credential_phase(W.m), ACTR_CRED_REALM_UNAVAILABLE);
    assert_int_equal(W.phases[0], ACTR_CRED_REALM_UNAVAILABLE);
    assert_false(W.armed); /* nothing planned any more */
    assert_int_equal(actr_credential_next_attempt_ms(W.m), -1);
    assert_int_equal(actr_credential_trigger_renewal(W.m), ACTR_ESTATE);
    assert_int_equal(actr_credential_on_expiring(W.m), ACTR_ESTATE);
    actr_credential_on_timer(W.m);
    assert_int_equal(W.renews + W.registers, 1);

    /* A new registration by the core revives the manager. */
    assert_int_equal(actr_credential_install(W.m, &g), 2);
    assert_int_equal(actr_credential_phase(W.m), ACTR_CRED_ACTIVE);
    assert_true(W.armed);

    /* A 403 on the hard rebind's /register stops as well. */
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    r = failed(ACTR_AIS_TOKEN_REJECTED, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(W.registers, 1);
    r = failed(ACTR_AIS_REALM_UNAVAILABLE, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(actr_credential_phase(W.m), ACTR_CRED_REALM_UNAVAILABLE);
    assert_int_equal(actr_credential_generation(W.m), 2);
    assert_false(W.armed);
}

static void test_rate_limited_waits(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(7, 3600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    actr_ais_result_t r = failed(ACTR_AIS_RATE_LIMITED, 7000);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_true(W.armed);
    assert_int_equal(W.armed_at, W.now + 7000);
    /* Triggers during the wait are deferred to its end, not sent early. */
    W.now += 6999;
    assert_int_equal(actr_credential_trigger_renewal(W.m), ACTR_EAGAIN);
    assert_int_equal(actr_credential_on_expiring(W.m), ACTR_EAGAIN);
    assert_int_equal(W.renews, 1);
    fire_timer();
    assert_int_equal(W.renews, 2);
    /* A 429 does not consume a backoff step: the next 5xx waits the first step. */
    r = failed(ACTR_AIS_RETRYABLE, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(W.armed_at, W.now + 5000);
}

static void test_backoff_then_reset(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(7, 3600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    static const actr_ais_status_t classes[] = {ACTR_AIS_RETRYABLE, ACTR_AIS_INVALID,
                                                ACTR_AIS_PROTOCOL_ERROR, ACTR_AIS_CANCELED,
                                                ACTR_AIS_RETRYABLE, ACTR_AIS_RETRYABLE};
    static const int64_t delays[] = {5000, 10000, 20000, 40000, 60000, 60000};
    for (int i = 0; i < 6; i++) {
        actr_ais_result_t r = failed(classes[i], 0);
        assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
        assert_int_equal(actr_credential_phase(W.m), ACTR_CRED_ACTIVE);
        assert_true(W.armed);
        assert_int_equal(W.armed_at - W.now, delays[i]);
        fire_timer();
        assert_int_equal(W.renews, i + 2);
    }
    actr_ais_grant_t fresh = grant(7, 3600, 0x11, 86400);
    actr_ais_result_t r = ok(&fresh);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(W.armed_at - W.now, 2880000); /* back to the proactive plan */
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    r = failed(ACTR_AIS_RETRYABLE, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(W.armed_at - W.now, 5000); /* success reset the backoff */
}

static void test_rebind_failures_retry_register(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(7, 3600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    actr_ais_result_t r = failed(ACTR_AIS_TOKEN_REJECTED, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(W.registers, 1);
    r = failed(ACTR_AIS_RETRYABLE, 0); /* AIS down during the rebind */
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    fire_timer();
    assert_int_equal(W.registers, 2); /* still a /register: the token is dead */
    assert_int_equal(W.renews, 1);
    r = failed(ACTR_AIS_TOKEN_REJECTED, 0); /* e.g. a proof judged too old: a fresh one next */
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(W.registers, 2);
    assert_int_equal(W.armed_at - W.now, 10000);
    fire_timer();
    assert_int_equal(W.registers, 3);
    actr_ais_grant_t g2 = grant(8, 3600, 0x33, 86400);
    r = ok(&g2);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(actr_credential_generation(W.m), 2);
    assert_int_equal(W.rebinds, 1);
}

static void test_stale_results_ignored(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(7, 3600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    uint64_t old_op = W.last_op;

    /* The core re-registers on its own: generation 2; the renewal of generation 1 is stale. */
    actr_ais_grant_t g2 = grant(8, 3600, 0x22, 86400);
    assert_int_equal(actr_credential_install(W.m, &g2), 2);
    assert_int_equal(actr_credential_op_in_flight(W.m), 0);
    actr_ais_result_t r = ok(&g);
    assert_int_equal(actr_credential_on_ais_result(W.m, old_op, &r), ACTR_ESTATE);
    r = failed(ACTR_AIS_TOKEN_REJECTED, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, old_op, &r), ACTR_ESTATE);
    assert_int_equal(W.updates, 0);
    assert_int_equal(W.registers, 0);
    assert_int_equal(actr_credential_session(W.m)->grant.actr_id.serial_number, 8);
    assert_int_equal(actr_credential_generation(W.m), 2);

    /* An op that never existed, op 0, and anything after stop. */
    assert_int_equal(actr_credential_on_ais_result(W.m, 999, &r), ACTR_ESTATE);
    assert_int_equal(actr_credential_on_ais_result(W.m, 0, &r), ACTR_ESTATE);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    uint64_t op = W.last_op;
    actr_credential_stop(W.m);
    assert_false(W.armed);
    r = ok(&g2);
    assert_int_equal(actr_credential_on_ais_result(W.m, op, &r), ACTR_ESTATE);
    assert_int_equal(actr_credential_trigger_renewal(W.m), ACTR_ESTATE);
    assert_int_equal(W.updates, 0);
}

static void test_expiring_hook_in_warning_window(void **state)
{
    (void)state;
    /* 10 min: renewal at half-life = expiry - warning, inside the warning window. */
    actr_ais_grant_t g = grant(7, 600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    assert_int_equal(W.armed_at, T0 + 300000);
    fire_timer();
    assert_int_equal(W.expiring_hooks, 1);
    assert_int_equal(W.hook_expiry, T0 / 1000 + 600);
    actr_ais_result_t r = failed(ACTR_AIS_RETRYABLE, 0);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    fire_timer();
    assert_int_equal(W.renews, 2);
    assert_int_equal(W.expiring_hooks, 1); /* once per credential on the timer path */
    r = ok(&g);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(W.renewed_hooks, 1);
}

static void test_other_id_and_start_failure(void **state)
{
    (void)state;
    actr_ais_grant_t g = grant(7, 3600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    /* A /renew "success" for another ActrId is not applied. */
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    actr_ais_grant_t other = grant(8, 3600, 0x22, 86400);
    actr_ais_result_t r = ok(&other);
    assert_int_equal(actr_credential_on_ais_result(W.m, W.last_op, &r), 0);
    assert_int_equal(W.updates, 0);
    assert_int_equal(actr_credential_session(W.m)->grant.actr_id.serial_number, 7);
    assert_int_equal(W.armed_at - W.now, 5000);

    /* A call that cannot even start counts as a retryable failure. */
    W.now = W.armed_at;
    W.start_rc = ACTR_ENOMEM;
    assert_int_equal(actr_credential_trigger_renewal(W.m), ACTR_EAGAIN);
    assert_int_equal(actr_credential_op_in_flight(W.m), 0);
    assert_true(W.armed);
    assert_int_equal(W.armed_at - W.now, 10000);
    W.start_rc = 0;
    fire_timer();
    assert_int_equal(W.renews, 3);
}

static void test_inline_completion(void **state)
{
    (void)state;
    /* An effect may complete the call before returning. */
    actr_ais_grant_t g = grant(7, 3600, 0x11, 86400);
    actr_credential_install(W.m, &g);
    W.complete_inline = true;
    W.inline_result = ok(&g);
    assert_int_equal(actr_credential_trigger_renewal(W.m), 0);
    assert_int_equal(W.updates, 1);
    assert_int_equal(actr_credential_op_in_flight(W.m), 0);
    assert_true(W.armed);
    W.inline_result = failed(ACTR_AIS_TOKEN_REJECTED, 0);
    fire_timer();
    assert_int_equal(W.registers, 1);
    assert_int_equal(actr_credential_op_in_flight(W.m), W.last_op);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    actr_credential_manager_t *m;
    actr_credential_effects_t fx = {0};
    assert_int_equal(actr_credential_new(NULL, &fx, &m), ACTR_EINVAL);
    assert_null(m);
    actr_credential_config_t cfg;
    actr_credential_config_default(&cfg);
    cfg.renew_percent = 100;
    fx = (actr_credential_effects_t){.start_renew = fx_start_renew,
                                     .start_register = fx_start_register,
                                     .arm_timer = fx_arm,
                                     .cancel_timer = fx_cancel,
                                     .credential_updated = fx_updated,
                                     .rebind = fx_rebind};
    assert_int_equal(actr_credential_new(&cfg, &fx, &m), ACTR_EINVAL);
    /* Before any install there is nothing to renew. */
    assert_null(actr_credential_session(W.m));
    assert_int_equal(actr_credential_trigger_renewal(W.m), ACTR_ESTATE);
    assert_int_equal(actr_credential_rebind_done(W.m, 0), ACTR_ESTATE);
    assert_int_equal(actr_credential_next_attempt_ms(W.m), -1);
    assert_string_equal(actr_credential_phase_name(ACTR_CRED_REALM_UNAVAILABLE),
                        "realm_unavailable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schedule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proactive_soft_renew, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_rejected_hard_rebind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_or_expired_token_rebinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_realm_unavailable_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limited_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backoff_then_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebind_failures_retry_register, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_results_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiring_hook_in_warning_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_id_and_start_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inline_completion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
