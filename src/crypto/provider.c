/* provider.c - the default (OpenSSL) crypto provider and the calls through any provider. */
#include "actr/crypto.h"

static int default_verify(void *self, const uint8_t *pub, size_t pub_len, const void *msg,
                          size_t msg_len, const uint8_t *sig, size_t sig_len)
{
    (void)self;
    return actr_ed25519_verify(pub, pub_len, msg, msg_len, sig, sig_len);
}

static int default_sha256(void *self, const void *data, size_t len, uint8_t out[ACTR_SHA256_LEN])
{
    (void)self;
    return actr_sha256(data, len, out);
}

static int default_random(void *self, void *out, size_t len)
{
    (void)self;
    return actr_random_bytes(out, len);
}

/* The default provider's key handles are actr_signing_key_t. */
static int default_sign(void *self, void *key, const void *msg, size_t len,
                        uint8_t sig[ACTR_ED25519_SIGNATURE_LEN])
{
    (void)self;
    return actr_signing_key_sign(key, msg, len, sig);
}

static int default_public_key(void *self, void *key, uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN])
{
    (void)self;
    if (!key || !pub)
        return ACTR_EINVAL;
    actr_signing_key_public(key, pub);
    return 0;
}

static const actr_crypto_provider_t openssl_provider = {
    .self = NULL,
    .name = "openssl",
    .ed25519_verify = default_verify,
    .sha256 = default_sha256,
    .random_bytes = default_random,
    .sign = default_sign,
    .public_key = default_public_key,
};

const actr_crypto_provider_t *actr_crypto_default_provider(void)
{
    return &openssl_provider;
}

static const actr_crypto_provider_t *pick(const actr_crypto_provider_t *p)
{
    return p ? p : &openssl_provider;
}

int actr_crypto_ed25519_verify(const actr_crypto_provider_t *p, const uint8_t *pub, size_t pub_len,
                               const void *msg, size_t msg_len, const uint8_t *sig, size_t sig_len)
{
    p = pick(p);
    return p->ed25519_verify ? p->ed25519_verify(p->self, pub, pub_len, msg, msg_len, sig, sig_len)
                             : ACTR_EUNSUPPORTED;
}

int actr_crypto_sha256(const actr_crypto_provider_t *p, const void *data, size_t len,
                       uint8_t out[ACTR_SHA256_LEN])
{
    p = pick(p);
    return p->sha256 ? p->sha256(p->self, data, len, out) : ACTR_EUNSUPPORTED;
}

int actr_crypto_random(const actr_crypto_provider_t *p, void *out, size_t len)
{
    p = pick(p);
    return p->random_bytes ? p->random_bytes(p->self, out, len) : ACTR_EUNSUPPORTED;
}

int actr_crypto_sign(const actr_crypto_provider_t *p, void *key, const void *msg, size_t len,
                     uint8_t sig[ACTR_ED25519_SIGNATURE_LEN])
{
    p = pick(p);
    return p->sign ? p->sign(p->self, key, msg, len, sig) : ACTR_EUNSUPPORTED;
}

int actr_crypto_public_key(const actr_crypto_provider_t *p, void *key,
                           uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN])
{
    p = pick(p);
    return p->public_key ? p->public_key(p->self, key, pub) : ACTR_EUNSUPPORTED;
}
