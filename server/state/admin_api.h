/*
 * admin_api.h - administration of actrd's state: realms and their secrets, manufacturer keys,
 * published packages and AIS signing keys. Used by the admin commands (admin.c, admin_mfr.c)
 * and by tests; the network side does not need it. Every function returns 0 or a negative
 * ACTR_E* code with a message in the optional err.
 */
#ifndef ACTRD_STATE_ADMIN_API_H
#define ACTRD_STATE_ADMIN_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/crypto.h"
#include "actr/error.h"
#include "actr/types.h"
#include "backend.h"

/* ---- realms (protocol.md 4.6, 9.3) ---- */

/* "rs_" + base64url (no padding) of 24 random bytes, + NUL. */
#define ACTRD_REALM_SECRET_SIZE 40
/* After a rotation the previous secret stays valid this long. */
#define ACTRD_REALM_PREVIOUS_SECRET_SECS (4 * 3600)
#define ACTRD_REALM_NAME_SIZE 128

typedef struct actrd_realm_info {
    uint32_t realm_id;
    char name[ACTRD_REALM_NAME_SIZE];
    bool enabled;
    int64_t expires_at; /* 0: never */
    int64_t created_at;
    bool has_secret;
    int64_t secret_rotated_at;        /* 0: never rotated */
    int64_t previous_valid_until;     /* 0: no previous secret */
} actrd_realm_info_t;

/*
 * Creates a realm. *realm_id 0 picks the next free id (1 for the first realm) and returns it.
 * With a secret, the new secret is written to secret (only its SHA-256 is stored, so this is the
 * only time it is seen). expires_at 0: never. ACTR_EEXIST if the id is taken.
 */
int actrd_realm_create(actrd_state_t *st, uint32_t *realm_id, const char *name, int64_t expires_at,
                       bool with_secret, char secret[ACTRD_REALM_SECRET_SIZE], actr_error_t *err);
/* Replaces the secret (the old one stays valid ACTRD_REALM_PREVIOUS_SECRET_SECS). */
int actrd_realm_secret_rotate(actrd_state_t *st, uint32_t realm_id,
                              char secret[ACTRD_REALM_SECRET_SIZE], actr_error_t *err);
int actrd_realm_set_enabled(actrd_state_t *st, uint32_t realm_id, bool enabled, actr_error_t *err);
int actrd_realm_get(actrd_state_t *st, uint32_t realm_id, actrd_realm_info_t *out,
                    actr_error_t *err);
/* All realms by id into a malloc'd array (free() it; NULL when there are none). */
int actrd_realm_list(actrd_state_t *st, actrd_realm_info_t **out, size_t *count,
                     actr_error_t *err);

/* ---- manufacturer keys (protocol.md 4.5) ---- */

typedef struct actrd_mfr_key {
    char key_id[ACTR_MFR_KEY_ID_SIZE];
    char manufacturer[ACTR_NAME_SIZE];
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    int64_t created_at;
    int64_t revoked_at; /* 0: active */
} actrd_mfr_key_t;

/* Publishes pub for manufacturer (a Name); key_id gets its id. ACTR_EEXIST if already known. */
int actrd_mfr_key_add(actrd_state_t *st, const char *manufacturer,
                      const uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN],
                      char key_id[ACTR_MFR_KEY_ID_SIZE], actr_error_t *err);
/* Revokes a key: registrations signed with it are refused from now on. */
int actrd_mfr_key_revoke(actrd_state_t *st, const char *key_id, actr_error_t *err);
/* Keys of manufacturer (NULL: all), oldest first, into a malloc'd array. */
int actrd_mfr_key_list(actrd_state_t *st, const char *manufacturer, actrd_mfr_key_t **out,
                       size_t *count, actr_error_t *err);

/* ---- published packages (AIS Path 1) ---- */

typedef struct actrd_package_info {
    char type_str[ACTR_TYPE_STR_SIZE];
    char target[128];
    char manifest_sha256[65];
    char signing_key_id[ACTR_MFR_KEY_ID_SIZE];
    int64_t published_at;
    int64_t revoked_at; /* 0: active */
} actrd_package_info_t;

/*
 * Publishes a signed manifest: it must parse, name its signing_key_id, be signed (sig, 64 bytes)
 * by that active key of its own manufacturer and declare binary.target. Registrations of that
 * type and target must then carry exactly these manifest bytes. Republishing replaces the row.
 * out (optional) describes what was published.
 */
int actrd_package_publish(actrd_state_t *st, const uint8_t *manifest, size_t len,
                          const uint8_t *sig, size_t sig_len, actrd_package_info_t *out,
                          actr_error_t *err);
/* Revokes (type, target): registrations of it are refused, without falling back to Path 2. */
int actrd_package_revoke(actrd_state_t *st, const char *type_str, const char *target,
                         actr_error_t *err);
int actrd_package_list(actrd_state_t *st, actrd_package_info_t **out, size_t *count,
                       actr_error_t *err);

/* ---- AIS signing keys ---- */

typedef struct actrd_signing_key_info {
    uint32_t key_id;
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    int64_t created_at;
    bool active;
    int64_t retired_at;   /* 0 while active */
    int64_t verify_until; /* credentials it signed verify until then; 0 while active */
} actrd_signing_key_info_t;

/*
 * Makes a new key (id = previous + 1) the signing key. The old one stops signing, its seed is
 * wiped, and it keeps verifying until every credential it signed has expired (token_ttl_secs).
 */
int actrd_signing_key_rotate(actrd_state_t *st, uint32_t *new_key_id, actr_error_t *err);
int actrd_signing_key_list(actrd_state_t *st, actrd_signing_key_info_t **out, size_t *count,
                           actr_error_t *err);

/* The TURN secret in use (configured, or generated into the database). */
const char *actrd_state_turn_secret(const actrd_state_t *st);

/* The HOST:PORT `actrd init --listen` recorded (the address its URLs point at), so `actrd
 * serve` can default to it: 0, ACTR_ENOTFOUND (never recorded) or ACTR_ERANGE (cap too small). */
int actrd_state_listen_get(actrd_state_t *st, char *buf, size_t cap);

#endif /* ACTRD_STATE_ADMIN_API_H */
