/* hash.c - SHA-256 (one-shot and streaming), HMAC-SHA1/SHA256 and constant-time comparison. */
#include "actr/crypto.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* OpenSSL rejects NULL input pointers even for zero lengths; this stands in for them. */
static const unsigned char empty_input[1];

static const void *nonnull(const void *p)
{
    return p ? p : empty_input;
}

int actr_sha256(const void *data, size_t len, uint8_t out[ACTR_SHA256_LEN])
{
    if (!out || (!data && len > 0))
        return ACTR_EINVAL;
    unsigned int n = 0;
    if (EVP_Digest(nonnull(data), len, out, &n, EVP_sha256(), NULL) != 1 || n != ACTR_SHA256_LEN)
        return ACTR_EINTERNAL;
    return 0;
}

int actr_sha256_init(actr_sha256_ctx_t *ctx)
{
    if (!ctx)
        return ACTR_EINVAL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ctx->impl = md;
    if (!md)
        return ACTR_ENOMEM;
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        actr_sha256_discard(ctx);
        return ACTR_EINTERNAL;
    }
    return 0;
}

int actr_sha256_update(actr_sha256_ctx_t *ctx, const void *data, size_t len)
{
    if (!ctx || !ctx->impl || (!data && len > 0))
        return ACTR_EINVAL;
    if (len > 0 && EVP_DigestUpdate(ctx->impl, data, len) != 1)
        return ACTR_EINTERNAL;
    return 0;
}

int actr_sha256_final(actr_sha256_ctx_t *ctx, uint8_t out[ACTR_SHA256_LEN])
{
    if (!ctx || !ctx->impl || !out)
        return ACTR_EINVAL;
    unsigned int n = 0;
    int ok = EVP_DigestFinal_ex(ctx->impl, out, &n) == 1 && n == ACTR_SHA256_LEN;
    actr_sha256_discard(ctx);
    return ok ? 0 : ACTR_EINTERNAL;
}

void actr_sha256_discard(actr_sha256_ctx_t *ctx)
{
    if (!ctx)
        return;
    EVP_MD_CTX_free(ctx->impl);
    ctx->impl = NULL;
}

static int hmac(const EVP_MD *md, const void *key, size_t key_len, const void *data, size_t len,
                uint8_t *out, unsigned int out_len)
{
    if (!out || (!key && key_len > 0) || (!data && len > 0) || key_len > INT_MAX)
        return ACTR_EINVAL;
    unsigned int n = 0;
    if (!HMAC(md, nonnull(key), (int)key_len, nonnull(data), len, out, &n) || n != out_len)
        return ACTR_EINTERNAL;
    return 0;
}

int actr_hmac_sha1(const void *key, size_t key_len, const void *data, size_t len,
                   uint8_t out[ACTR_SHA1_LEN])
{
    return hmac(EVP_sha1(), key, key_len, data, len, out, ACTR_SHA1_LEN);
}

int actr_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                     uint8_t out[ACTR_SHA256_LEN])
{
    return hmac(EVP_sha256(), key, key_len, data, len, out, ACTR_SHA256_LEN);
}

int actr_ct_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}
