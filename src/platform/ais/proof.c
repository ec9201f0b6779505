/*
 * proof.c - building and signing the manufacturer registration proof (protocol.md §4.4).
 */
#include "platform/ais/proof.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"

#define FAIL(err, code, ...) actr_error_set((err), (code), ACTR_KIND_CLIENT, 0, __VA_ARGS__)

int actr_ais_proof_payload(const actr_crypto_provider_t *crypto, uint32_t realm_id,
                           const actr_type_t *type, const char *target,
                           const uint8_t *manifest_raw, size_t manifest_len, uint64_t signed_at,
                           const uint8_t *nonce, size_t nonce_len, char **out, size_t *out_len,
                           actr_error_t *err)
{
    *out = NULL;
    *out_len = 0;
    char type_str[ACTR_TYPE_STR_SIZE];
    int rc = actr_type_validate(type, err);
    if (rc == 0)
        rc = actr_type_format(type, type_str, sizeof type_str, err);
    if (rc != 0)
        return ACTR_EINVAL;
    size_t target_len = target ? strlen(target) : 0;
    if (target_len == 0 || target_len > ACTR_AIS_TARGET_MAX || strchr(target, '\n'))
        return FAIL(err, ACTR_EINVAL, "manufacturer proof: target must be 1-%d characters without "
                    "a newline", ACTR_AIS_TARGET_MAX);
    if (!nonce || (nonce_len != 16 && nonce_len != 32))
        return FAIL(err, ACTR_EINVAL, "manufacturer proof: nonce must be 16 or 32 bytes, not %zu",
                    nonce_len);
    if (manifest_len && !manifest_raw)
        return FAIL(err, ACTR_EINVAL, "manufacturer proof: no manifest bytes");

    uint8_t digest[ACTR_SHA256_LEN];
    rc = actr_crypto_sha256(crypto, manifest_raw, manifest_len, digest);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "manufacturer proof: SHA-256 failed");
    char digest_hex[2 * ACTR_SHA256_LEN + 1], nonce_hex[2 * 32 + 1];
    actr_hex_encode(digest, sizeof digest, digest_hex);
    actr_hex_encode(nonce, nonce_len, nonce_hex);

    static const char fmt[] = ACTR_AIS_PROOF_HEADER "\nauth_mode=package\nrealm=%" PRIu32
                              "\nactr_type=%s\ntarget=%s\nmanifest_sha256=%s"
                              "\nmanufacturer_auth_signed_at=%" PRIu64
                              "\nmanufacturer_auth_nonce=%s";
    int n = snprintf(NULL, 0, fmt, realm_id, type_str, target, digest_hex, signed_at, nonce_hex);
    if (n < 0)
        return FAIL(err, ACTR_EINTERNAL, "manufacturer proof: formatting failed");
    char *buf = malloc((size_t)n + 1);
    if (!buf)
        return FAIL(err, ACTR_ENOMEM, "out of memory");
    snprintf(buf, (size_t)n + 1, fmt, realm_id, type_str, target, digest_hex, signed_at,
             nonce_hex);
    *out = buf;
    *out_len = (size_t)n;
    return 0;
}

int actr_ais_proof_make(const actr_crypto_provider_t *crypto, void *key, uint32_t realm_id,
                        const actr_type_t *type, const char *target, const uint8_t *manifest_raw,
                        size_t manifest_len, int64_t now_s, actr_ais_proof_t *out,
                        actr_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (!key)
        return FAIL(err, ACTR_EINVAL, "manufacturer proof: no signing key");
    if (now_s < 0)
        return FAIL(err, ACTR_EINVAL, "manufacturer proof: clock before 1970");
    actr_ais_proof_t p = {.signed_at = (uint64_t)now_s, .nonce_len = ACTR_AIS_PROOF_NONCE_LEN};
    int rc = actr_crypto_random(crypto, p.nonce, p.nonce_len);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0,
                              "manufacturer proof: no random nonce: %s", actr_strerror(rc));
    char *payload;
    size_t len;
    rc = actr_ais_proof_payload(crypto, realm_id, type, target, manifest_raw, manifest_len,
                                p.signed_at, p.nonce, p.nonce_len, &payload, &len, err);
    if (rc != 0)
        return rc;
    rc = actr_crypto_sign(crypto, key, payload, len, p.signature);
    free(payload);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0,
                              "manufacturer proof: signing failed: %s", actr_strerror(rc));
    *out = p;
    return 0;
}
