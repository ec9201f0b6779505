/*
 * backend.h - the contract between actrd's two halves.
 *
 * The state side (server/state/: SQLite store, realms, AIS register/renew, MFR key registry,
 * ACL rows, signing keys) implements these functions; the network side (server/net/: HTTP and
 * WebSocket on libwebsockets + libuv, and server/signaling/: the signaling protocol) calls them.
 * Every call is synchronous and made on the loop thread; the state side keeps each call short
 * (indexed SQLite lookups in WAL mode).
 *
 * Facts: spec/protocol.md sections 4-6 and 9.
 */
#ifndef ACTRD_BACKEND_H
#define ACTRD_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"

typedef struct actrd_state actrd_state_t;

/* Settings of the state side; defaults come from actrd_state_config_init(). */
typedef struct actrd_state_config {
    char data_dir[1024];                  /* holds actrd.db (created if missing) */
    uint32_t token_ttl_secs;              /* credential lifetime, default 3600 */
    uint32_t renewal_token_ttl_secs;      /* default 86400 */
    uint32_t renewal_rotation_window_secs; /* default 21600 */
    uint32_t heartbeat_interval_secs;     /* RegisterOk.signaling_heartbeat_interval_secs, 30 */
    char turn_secret[256];                /* HMAC-SHA1 key of TURN credentials */
    uint32_t mfr_proof_future_secs;       /* manufacturer proof: at most this far ahead, 60 */
    uint32_t mfr_proof_max_age_secs;      /* ... and at most this old, 300 */
    uint32_t nonce_ttl_secs;              /* used nonces are remembered this long, 600 */
} actrd_state_config_t;

void actrd_state_config_init(actrd_state_config_t *cfg);
int actrd_state_open(const actrd_state_config_t *cfg, actrd_state_t **out, actr_error_t *err);
void actrd_state_close(actrd_state_t *st);

/* An HTTP answer produced by the state side. body is malloc'd; free with actrd_http_reply_free. */
typedef struct actrd_http_reply {
    int status;               /* HTTP status code */
    const char *content_type; /* static string, e.g. "application/x-protobuf" */
    uint8_t *body;
    size_t len;
    uint32_t retry_after_secs; /* sent as Retry-After when non-zero */
} actrd_http_reply_t;

void actrd_http_reply_free(actrd_http_reply_t *reply);

/*
 * POST /ais/register (protocol.md 5.1): body is the raw request body, realm_secret the trimmed
 * x-actrix-realm-secret header or NULL. Always fills *out (HTTP 200 with a RegisterResponse, even
 * for logical errors, as actrix does); returns non-zero only when no reply could be built.
 */
int actrd_ais_register(actrd_state_t *st, const uint8_t *body, size_t len, const char *realm_secret,
                       actrd_http_reply_t *out);

/* POST /ais/renew (protocol.md 5.2): the HTTP status mirrors the error code. */
int actrd_ais_renew(actrd_state_t *st, const uint8_t *body, size_t len, actrd_http_reply_t *out);

/* GET /mfr/{manufacturer}/verifying_key[?key_id=]: JSON {"public_key": B64, "key_id": "..."}. */
int actrd_mfr_verifying_key(actrd_state_t *st, const char *manufacturer, const char *key_id,
                            actrd_http_reply_t *out);

/* Realm validation used on every signaling message: 0, ACTR_EPERM (403) or ACTR_EIO (500). */
int actrd_realm_check(actrd_state_t *st, uint32_t realm_id);

/*
 * Verifies an AIdCredential (protocol.md 4.1): key lookup by key_id, 64-byte Ed25519 signature
 * over the exact claims bytes, IdentityClaims decoding, expiry, claims.realm_id == realm_id.
 * On success copies claims.actor_id into actor_id (cap bytes) and its expiry into *expires_at.
 * Errors: ACTR_ENOTFOUND (unknown key), ACTR_ESIGNATURE, ACTR_EPARSE, ACTR_EEXPIRED, ACTR_EPERM.
 */
int actrd_credential_verify(actrd_state_t *st, uint32_t key_id, const uint8_t *claims,
                            size_t claims_len, const uint8_t *sig, size_t sig_len,
                            uint32_t realm_id, char *actor_id, size_t cap, uint64_t *expires_at,
                            actr_error_t *err);

/* GetSigningKeyRequest: the 32-byte AIS verifying key for key_id, or ACTR_ENOTFOUND. */
int actrd_signing_key_get(actrd_state_t *st, uint32_t key_id, uint8_t pub[32]);

/*
 * ACL lookup (protocol.md 9.4): may an actor of from_type in src_realm discover / relay to an
 * actor of to_type in tgt_realm? Type strings are "manufacturer:name:version". No row: denied.
 * Unlike actrix, rows stored for "any realm" do match.
 */
bool actrd_acl_can_discover(actrd_state_t *st, uint32_t src_realm, uint32_t tgt_realm,
                            const char *from_type, const char *to_type);

/*
 * What /ais/register left for signaling (protocol.md 5.1 step 8): the encoded ServiceSpec (or
 * NULL/0) and the ws_address (or NULL) of (realm_id, serial). Both malloc'd, caller frees.
 * ACTR_ENOTFOUND when the actor registered neither.
 */
int actrd_pending_registration_get(actrd_state_t *st, uint32_t realm_id, uint64_t serial,
                                   uint8_t **service_spec, size_t *service_spec_len,
                                   char **ws_address);

#endif /* ACTRD_BACKEND_H */
