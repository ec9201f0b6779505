/*
 * proof.h - the manufacturer registration proof (protocol.md §4.4), which lets an unpublished
 * package register (AIS Path 2).
 *
 * The payload is UTF-8 text, '\n'-separated, without a trailing newline:
 *
 *   ACTR-MANUFACTURER-REGISTER-V1
 *   auth_mode=package
 *   realm=<realm_id decimal>
 *   actr_type=<manufacturer:name:version>
 *   target=<target triple>
 *   manifest_sha256=<hex sha256 of manifest_raw>
 *   manufacturer_auth_signed_at=<unix secs decimal>
 *   manufacturer_auth_nonce=<hex of nonce bytes>
 *
 * signed with the manufacturer's Ed25519 key (the one that signed the manifest). AIS accepts it
 * from 300 s old to 60 s ahead and only once per nonce, so a proof is made fresh for every
 * registration, including a hard rebind.
 */
#ifndef ACTR_PLATFORM_AIS_PROOF_H
#define ACTR_PLATFORM_AIS_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "actr/crypto.h"
#include "actr/error.h"
#include "actr/types.h"

#define ACTR_AIS_PROOF_HEADER "ACTR-MANUFACTURER-REGISTER-V1"
/* AIS takes 16 or 32 bytes; the reference client, and we, send 32. */
#define ACTR_AIS_PROOF_NONCE_LEN 32
/* Longest target triple we put into a payload. */
#define ACTR_AIS_TARGET_MAX 256

typedef struct actr_ais_proof {
    uint64_t signed_at; /* Unix seconds */
    uint8_t nonce[ACTR_AIS_PROOF_NONCE_LEN];
    size_t nonce_len; /* 16 or 32 */
    uint8_t signature[ACTR_ED25519_SIGNATURE_LEN];
} actr_ais_proof_t;

/*
 * Writes the payload into a new malloc'd NUL-terminated string *out of *out_len bytes (free()
 * it). crypto (NULL: default) hashes the manifest. EINVAL for an invalid type, an empty or over-long
 * target or a nonce that is not 16 or 32 bytes; ENOMEM.
 */
int actr_ais_proof_payload(const actr_crypto_provider_t *crypto, uint32_t realm_id,
                           const actr_type_t *type, const char *target,
                           const uint8_t *manifest_raw, size_t manifest_len, uint64_t signed_at,
                           const uint8_t *nonce, size_t nonce_len, char **out, size_t *out_len,
                           actr_error_t *err);

/*
 * Makes a fresh proof: signed_at = now_s, 32 random bytes of nonce, the payload signed through
 * crypto (NULL: default) with key, the provider's key handle (an actr_signing_key_t * for the
 * default provider). Errors as above, or the provider's error for randomness and signing.
 */
int actr_ais_proof_make(const actr_crypto_provider_t *crypto, void *key, uint32_t realm_id,
                        const actr_type_t *type, const char *target, const uint8_t *manifest_raw,
                        size_t manifest_len, int64_t now_s, actr_ais_proof_t *out,
                        actr_error_t *err);

#endif /* ACTR_PLATFORM_AIS_PROOF_H */
