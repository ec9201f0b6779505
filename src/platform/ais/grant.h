/*
 * grant.h - what a successful AIS /register or /renew grants a node (RegisterOk, protocol.md
 * §3.3), decoded into plain values and validated before anyone uses it.
 *
 * An actr_ais_grant_t owns no memory: copy it with `=`, drop it without cleanup. It keeps the
 * credential's claims bytes exactly as received (signatures cover those bytes; nobody re-encodes
 * them, protocol.md §1).
 */
#ifndef ACTR_PLATFORM_AIS_GRANT_H
#define ACTR_PLATFORM_AIS_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "actr.pb-c.h"
#include "actr/crypto.h"
#include "actr/error.h"
#include "actr/storage.h"
#include "actr/types.h"

/* IdentityClaims holds a realm, an ActrId string and an expiry: well under 1 KiB. */
#define ACTR_AIS_CLAIMS_MAX 1024
#define ACTR_AIS_TURN_USERNAME_SIZE (24 + ACTR_ID_STR_SIZE) /* "<expires_at>:<ActrId>" */
#define ACTR_AIS_TURN_PASSWORD_SIZE 256
#define ACTR_AIS_RENEWAL_TOKEN_LEN 32
/* RegisterOk.signaling_heartbeat_interval_secs = 0 means this (as the reference client). */
#define ACTR_AIS_DEFAULT_HEARTBEAT_SECS 30

/* Keys of the actor store (platform.md §4.5) written after a package registration. */
#define ACTR_AIS_STORE_PUBKEY_KEY "hyper:ais:signing_pubkey"
#define ACTR_AIS_STORE_KEY_ID_KEY "hyper:ais:signing_key_id"

typedef struct actr_ais_credential {
    uint32_t key_id;
    uint8_t claims[ACTR_AIS_CLAIMS_MAX]; /* serialized IdentityClaims, verbatim */
    size_t claims_len;
    uint8_t signature[ACTR_ED25519_SIGNATURE_LEN];
    uint64_t expires_at; /* IdentityClaims.expires_at, Unix seconds */
} actr_ais_credential_t;

typedef struct actr_ais_turn {
    char username[ACTR_AIS_TURN_USERNAME_SIZE];
    char password[ACTR_AIS_TURN_PASSWORD_SIZE];
    uint64_t expires_at;
} actr_ais_turn_t;

typedef struct actr_ais_grant {
    actr_id_t actr_id;
    char actr_id_str[ACTR_ID_STR_SIZE]; /* canonical string form = IdentityClaims.actor_id */
    actr_ais_credential_t credential;
    actr_ais_turn_t turn;
    bool has_credential_expires_at;
    int64_t credential_expires_at; /* Unix seconds */
    uint32_t heartbeat_interval_secs; /* never 0: 0 on the wire becomes 30 */
    uint8_t signing_pubkey[ACTR_ED25519_PUBLIC_KEY_LEN];
    uint32_t signing_key_id;
    bool has_renewal_token;
    uint8_t renewal_token[ACTR_AIS_RENEWAL_TOKEN_LEN];
    bool has_renewal_token_expires_at;
    int64_t renewal_token_expires_at; /* Unix seconds */
} actr_ais_grant_t;

/*
 * Decodes and validates a RegisterOk into *out. Refused (EPROTO, err says which field and why):
 * a missing or invalid actr_id; signing_pubkey not 32 bytes; a credential whose key_id is not
 * signing_key_id, whose signature is not 64 bytes or does not verify (strict Ed25519, through
 * crypto, NULL: default) under signing_pubkey; claims that do not decode, whose actor_id is not
 * the ActrId's string form, whose realm_id is not the ActrId's realm or whose expires_at is 0;
 * a missing TURN credential; a renewal_token present but not 32 bytes; fields beyond our caps.
 * *out is zeroed on failure.
 */
int actr_ais_grant_from_pb(const Actr__RegisterResponse__RegisterOk *ok,
                           const actr_crypto_provider_t *crypto, actr_ais_grant_t *out,
                           actr_error_t *err);

/*
 * The extra checks on a /renew answer (protocol.md §5.2): the ActrId is expected, and
 * credential_expires_at, renewal_token and renewal_token_expires_at are all present. EPROTO.
 */
int actr_ais_grant_check_renewal(const actr_ais_grant_t *g, const actr_id_t *expected,
                                 actr_error_t *err);

/* The credential's effective expiry: the earlier of the claims' and credential_expires_at. */
int64_t actr_ais_grant_expires_at(const actr_ais_grant_t *g);

/* An AIdCredential message borrowing c's bytes (for signaling envelopes and the URL query). */
void actr_ais_credential_pb_init(Actr__AIdCredential *pb, const actr_ais_credential_t *c);

/*
 * Writes the AIS signing key into an actor store in one batch (platform.md §4.5):
 * hyper:ais:signing_pubkey = 32 raw bytes, hyper:ais:signing_key_id = u32 little-endian.
 */
int actr_ais_grant_store_signing_key(actr_kv_store_t *kv, const actr_ais_grant_t *g,
                                     actr_error_t *err);

#endif /* ACTR_PLATFORM_AIS_GRANT_H */
