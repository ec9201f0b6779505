/*
 * credential.h - the credential manager (runtime.md §12.5, protocol.md §5.2 and §7.5): keeps a
 * node's AIS session fresh by soft renewal, falls back to a hard rebind, and stops for good when
 * the realm is gone.
 *
 * It is a pure state machine: it never touches a socket, a thread or a clock of its own. The
 * core gives it an effects table (start an AIS call, arm the one timer, apply a new credential,
 * rebind the identity, emit hooks, read the wall clock) and feeds it events (timer fired, AIS
 * result, signaling says the credential is expiring, rebind finished). Every function runs on
 * the loop thread; effects are called synchronously from inside them, after the manager's state
 * is consistent, so an effect may call back into the manager.
 *
 *   renewal token missing or expired ---------------------------------> HARD REBIND
 *   POST /renew {actr_id, renewal_token}
 *     OK                -> same generation, new credential/TURN/token: credential_updated,
 *                          hook CREDENTIAL_RENEWED, next proactive renewal scheduled (SOFT RENEW)
 *     TOKEN_REJECTED    -> HARD REBIND at once
 *     REALM_UNAVAILABLE -> phase RealmUnavailable: nothing is retried any more
 *     RATE_LIMITED      -> retry after Retry-After
 *     anything else     -> retry after the next backoff delay (5 s, doubling, at most 60 s)
 *   HARD REBIND: POST /register again (the core re-signs a fresh manufacturer proof); on OK the
 *     generation goes up by one, phase Rebinding, effect rebind(session); the core disconnects
 *     signaling, closes peers, switches identity, reconnects and calls
 *     actr_credential_rebind_done() -> phase Active. Failures retry as above (403 stops).
 *
 * Renewal is single-flight: one AIS call at a time; triggers while one is in flight join it, and
 * triggers during a Retry-After or backoff wait are deferred to its end. Every call carries an op
 * id; a result for any op other than the one in flight (an older generation, a call abandoned by
 * actr_credential_install() or actr_credential_stop()) is ignored.
 *
 * Proactive renewal (our decision, docs/RUNTIME.md §5; the reference only reacts to a 401): with
 * L = expiry - receipt, renew at min(receipt + 80 % L, expiry - warning), but never before
 * receipt + L/2 (a warning longer than half the lifetime would renew in a loop) nor before
 * receipt + min_renew_delay.
 */
#ifndef ACTR_LIFECYCLE_CREDENTIAL_H
#define ACTR_LIFECYCLE_CREDENTIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/backoff.h"
#include "platform/ais/client.h"
#include "platform/ais/grant.h"

typedef struct actr_credential_manager actr_credential_manager_t;

typedef enum actr_credential_phase {
    ACTR_CRED_ACTIVE = 0,            /* sends allowed */
    ACTR_CRED_REBINDING,             /* new identity issued, core switching over */
    ACTR_CRED_REALM_UNAVAILABLE,     /* 403: no more renewals */
} actr_credential_phase_t;

typedef enum actr_credential_hook {
    ACTR_CRED_HOOK_RENEWED = 0,  /* HookEvent::CredentialRenewed{expiry} */
    ACTR_CRED_HOOK_EXPIRING,     /* HookEvent::CredentialExpiring{expiry} */
} actr_credential_hook_t;

/* The session snapshot (SessionState in the reference). */
typedef struct actr_credential_session {
    actr_ais_grant_t grant;  /* identity, credential, expiries, TURN, renewal token */
    uint64_t generation;     /* 1 for the first install; +1 per install or hard rebind */
    int64_t received_at_ms;  /* wall clock when the grant arrived */
} actr_credential_session_t;

typedef struct actr_credential_effects {
    void *self;
    /* Start POST /renew; report with actr_credential_on_ais_result(m, op, res). A non-zero
     * return means nothing was started: handled as a retryable failure. */
    int (*start_renew)(void *self, uint64_t op, const actr_id_t *id,
                       const uint8_t token[ACTR_AIS_RENEWAL_TOKEN_LEN]);
    /* Start POST /register with the node's registration (fresh proof in PACKAGE mode). */
    int (*start_register)(void *self, uint64_t op);
    /* Call actr_credential_on_timer() after delay_ms, replacing any earlier arming. */
    void (*arm_timer)(void *self, uint64_t delay_ms);
    void (*cancel_timer)(void *self);
    /* Soft renewal: same identity, new credential, TURN credential and token. */
    void (*credential_updated)(void *self, const actr_credential_session_t *s);
    /* Hard rebind: a new identity to switch to; then actr_credential_rebind_done(). */
    void (*rebind)(void *self, const actr_credential_session_t *s);
    void (*phase_changed)(void *self, actr_credential_phase_t phase); /* optional */
    void (*hook)(void *self, actr_credential_hook_t hook, int64_t expiry_s); /* optional */
    int64_t (*now_ms)(void *self); /* wall clock, Unix ms; NULL: the real one */
} actr_credential_effects_t;

typedef struct actr_credential_config {
    uint64_t expiry_warning_ms;   /* [hyper] credential_expiry_warning; 300 s */
    uint32_t renew_percent;       /* of the lifetime, 1-99; 80 */
    uint64_t min_renew_delay_ms;  /* floor after a new credential; 10 s */
    actr_backoff_config_t backoff; /* 5 s, x2, at most 60 s, +-20 %, unlimited */
} actr_credential_config_t;

/* The defaults above. */
void actr_credential_config_default(actr_credential_config_t *cfg);

/* cfg NULL: defaults. fx is copied; start_renew, start_register, arm_timer, cancel_timer,
 * credential_updated and rebind are required. EINVAL or ENOMEM. */
int actr_credential_new(const actr_credential_config_t *cfg, const actr_credential_effects_t *fx,
                        actr_credential_manager_t **out);

/* Stops (cancelling the timer) and frees. NULL is allowed. */
void actr_credential_free(actr_credential_manager_t *m);

/* Replaces the backoff's random source (tests). */
void actr_credential_set_backoff_random(actr_credential_manager_t *m, actr_backoff_random_fn fn,
                                        void *ctx);

/*
 * Installs a registration the core obtained itself (the node's first /register): a new
 * generation, phase Active, any call in flight forgotten, the proactive renewal armed.
 * Returns the generation. Allowed after stop or RealmUnavailable: the manager runs again.
 */
uint64_t actr_credential_install(actr_credential_manager_t *m, const actr_ais_grant_t *grant);

/*
 * Asks for a renewal now (single-flight). Returns 0 when a call was started (or one in flight
 * was joined), ACTR_EAGAIN when a Retry-After or backoff wait defers it, including a call that
 * could not start (it is retried when the wait ends), ACTR_ESTATE without a session, after stop
 * or in RealmUnavailable.
 */
int actr_credential_trigger_renewal(actr_credential_manager_t *m);

/*
 * Signaling said the credential is expiring or expired (Pong.credential_warning, or Error 401
 * on a heartbeat; runtime.md §12.4): hook CREDENTIAL_EXPIRING, then trigger_renewal's result.
 */
int actr_credential_on_expiring(actr_credential_manager_t *m);

/* The timer armed through the effects fired. */
void actr_credential_on_timer(actr_credential_manager_t *m);

/*
 * Result of the AIS call op. Returns 0 when applied, ACTR_ESTATE when op is not the call in
 * flight (stale: ignored, nothing changes).
 */
int actr_credential_on_ais_result(actr_credential_manager_t *m, uint64_t op,
                                  const actr_ais_result_t *res);

/* The core finished switching to generation's identity: phase Active. ESTATE if stale. */
int actr_credential_rebind_done(actr_credential_manager_t *m, uint64_t generation);

/* No more calls or timers; results are ignored until the next install. */
void actr_credential_stop(actr_credential_manager_t *m);

actr_credential_phase_t actr_credential_phase(const actr_credential_manager_t *m);
/* The current session, or NULL before the first install. */
const actr_credential_session_t *actr_credential_session(const actr_credential_manager_t *m);
uint64_t actr_credential_generation(const actr_credential_manager_t *m);
/* The op in flight, 0 when none. */
uint64_t actr_credential_op_in_flight(const actr_credential_manager_t *m);
/* Wall-clock ms of the next planned attempt (retry or proactive), -1 when none. */
int64_t actr_credential_next_attempt_ms(const actr_credential_manager_t *m);
/* The proactive renewal time computed for a session (see the top of this file). */
int64_t actr_credential_renew_at_ms(const actr_credential_config_t *cfg,
                                    const actr_credential_session_t *s);

const char *actr_credential_phase_name(actr_credential_phase_t phase);

#endif /* ACTR_LIFECYCLE_CREDENTIAL_H */
