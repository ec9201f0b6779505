/*
 * ws_auth.h - authenticating a signaling upgrade from its query (protocol.md 6.1).
 *
 *   GET /signaling/ws?actor_id=<ActrId>&key_id=<u32>&claims=<B64>&signature=<B64>
 *                    [&webrtc_role=answer]
 *
 * Values arrive form-urlencoded; the getter returns them decoded (libwebsockets decodes the
 * query itself; tests decode with actr_query_get). Checks, in actrix's order: every parameter
 * present and parsable, the credential valid for the realm named in actor_id, and
 * claims.actor_id equal to the actor_id text. Every failure is a 401 before the upgrade.
 */
#ifndef ACTRD_NET_WS_AUTH_H
#define ACTRD_NET_WS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"
#include "actr/types.h"
#include "net/metrics.h"
#include "signaling/signaling.h"

#define ACTRD_CLAIMS_MAX 1024   /* IdentityClaims: realm, ActrId text, expiry */
#define ACTRD_SIGNATURE_MAX 128 /* Ed25519 is 64; the verifier checks the length */
#define ACTRD_QUERY_VALUE_MAX 2048

/*
 * Copies the decoded value of parameter name (NUL-terminated) into buf and returns buf, or
 * returns NULL when the parameter is absent or longer than cap - 1.
 */
typedef const char *(*actrd_query_get_fn)(void *ctx, const char *name, char *buf, size_t cap);

typedef struct actrd_ws_query {
    char actor_id[ACTR_ID_STR_SIZE]; /* as sent */
    actr_id_t id;
    uint32_t key_id;
    uint8_t claims[ACTRD_CLAIMS_MAX];
    size_t claims_len;
    uint8_t signature[ACTRD_SIGNATURE_MAX];
    size_t signature_len;
    bool prefer_answer; /* webrtc_role=answer */
} actrd_ws_query_t;

/* Step 1: 0, or ACTR_EPARSE with err naming the missing or malformed parameter. */
int actrd_ws_query_parse(actrd_query_get_fn get, void *ctx, actrd_ws_query_t *q,
                         actr_error_t *err);

/*
 * Steps 2-3 through the backend's credential_verify (self is its state). Returns 0 with
 * *expires_at, or a non-zero code with *why (ACTRD_REFUSE_EXPIRED, _BAD_CREDENTIAL or
 * _ACTOR_MISMATCH) and a message in err.
 */
int actrd_ws_query_verify(const actrd_sig_backend_t *backend, void *self,
                          const actrd_ws_query_t *q, uint64_t *expires_at, actrd_refusal_t *why,
                          actr_error_t *err);

#endif /* ACTRD_NET_WS_AUTH_H */
