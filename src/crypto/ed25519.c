/* ed25519.c - Ed25519 signing keys, strict verification and manufacturer key ids (OpenSSL 3). */
#include "crypto/ed25519.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/hex.h"
#include "crypto/ed25519_point.h"

struct actr_signing_key {
    EVP_PKEY *pkey; /* holds the seed; EVP_PKEY_free() wipes it */
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
};

/* EVP one-shot sign/verify take a non-NULL pointer even for an empty message. */
static const unsigned char empty_msg[1];

int actr_ed25519_verify_openssl(const uint8_t pub[32], const void *msg, size_t msg_len,
                                const uint8_t sig[64])
{
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = pkey && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1 &&
             EVP_DigestVerify(md, sig, 64, msg ? msg : empty_msg, msg_len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    return ok ? 0 : ACTR_ESIGNATURE;
}

int actr_ed25519_verify(const uint8_t *pub, size_t pub_len, const void *msg, size_t msg_len,
                        const uint8_t *sig, size_t sig_len)
{
    if (!pub || !sig || (!msg && msg_len > 0))
        return ACTR_EINVAL;
    if (pub_len != ACTR_ED25519_PUBLIC_KEY_LEN || sig_len != ACTR_ED25519_SIGNATURE_LEN)
        return ACTR_EINVAL;
    const uint8_t *r = sig, *s = sig + 32;
    /* The checks verify_strict() makes beyond OpenSSL (see ed25519_point.c). */
    if (!actr_ed25519_y_canonical(pub) || actr_ed25519_small_order(pub) ||
        !actr_ed25519_y_canonical(r) || actr_ed25519_small_order(r) ||
        !actr_ed25519_scalar_canonical(s))
        return ACTR_ESIGNATURE;
    return actr_ed25519_verify_openssl(pub, msg, msg_len, sig);
}

int actr_ed25519_pubkey_valid(const uint8_t *pub, size_t pub_len)
{
    if (!pub || pub_len != ACTR_ED25519_PUBLIC_KEY_LEN)
        return ACTR_EINVAL;
    return actr_ed25519_point_decode_check(pub);
}

int actr_mfr_key_id(const uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN], char out[ACTR_MFR_KEY_ID_SIZE])
{
    if (!pub || !out)
        return ACTR_EINVAL;
    uint8_t digest[ACTR_SHA256_LEN];
    int rc = actr_sha256(pub, ACTR_ED25519_PUBLIC_KEY_LEN, digest);
    if (rc != 0)
        return rc;
    memcpy(out, "mfr-", 4);
    actr_hex_encode(digest, 8, out + 4); /* 16 hex digits and the NUL */
    return 0;
}

int actr_signing_key_from_seed(const uint8_t *seed, size_t seed_len, actr_signing_key_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    if (!seed || seed_len != ACTR_ED25519_SEED_LEN)
        return ACTR_EINVAL;
    actr_signing_key_t *key = calloc(1, sizeof *key);
    if (!key)
        return ACTR_ENOMEM;
    size_t pub_len = sizeof key->pub;
    key->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, seed_len);
    if (!key->pkey || EVP_PKEY_get_raw_public_key(key->pkey, key->pub, &pub_len) != 1 ||
        pub_len != sizeof key->pub) {
        actr_signing_key_free(key);
        return ACTR_EINTERNAL;
    }
    *out = key;
    return 0;
}

int actr_signing_key_generate(actr_signing_key_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    uint8_t seed[ACTR_ED25519_SEED_LEN];
    int rc = actr_random_bytes(seed, sizeof seed);
    if (rc == 0)
        rc = actr_signing_key_from_seed(seed, sizeof seed, out);
    OPENSSL_cleanse(seed, sizeof seed);
    return rc;
}

int actr_signing_key_sign(const actr_signing_key_t *key, const void *msg, size_t len,
                          uint8_t sig[ACTR_ED25519_SIGNATURE_LEN])
{
    if (!key || !sig || (!msg && len > 0))
        return ACTR_EINVAL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return ACTR_ENOMEM;
    size_t sig_len = ACTR_ED25519_SIGNATURE_LEN;
    int ok = EVP_DigestSignInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
             EVP_DigestSign(md, sig, &sig_len, msg ? msg : empty_msg, len) == 1 &&
             sig_len == ACTR_ED25519_SIGNATURE_LEN;
    EVP_MD_CTX_free(md);
    return ok ? 0 : ACTR_EINTERNAL;
}

void actr_signing_key_public(const actr_signing_key_t *key,
                             uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN])
{
    if (key && pub)
        memcpy(pub, key->pub, sizeof key->pub);
}

int actr_signing_key_export_seed(const actr_signing_key_t *key, uint8_t seed[ACTR_ED25519_SEED_LEN])
{
    size_t len = ACTR_ED25519_SEED_LEN;
    if (!key || !seed)
        return ACTR_EINVAL;
    if (EVP_PKEY_get_raw_private_key(key->pkey, seed, &len) != 1 || len != ACTR_ED25519_SEED_LEN) {
        OPENSSL_cleanse(seed, ACTR_ED25519_SEED_LEN);
        return ACTR_EINTERNAL;
    }
    return 0;
}

void actr_signing_key_free(actr_signing_key_t *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey);
    OPENSSL_cleanse(key, sizeof *key);
    free(key);
}
