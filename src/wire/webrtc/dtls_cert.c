/*
 * dtls_cert.c - the process-wide DTLS identity and SSL_CTX (dtls.h): one ECDSA P-256
 * self-signed certificate made on first use (WebRTC peers authenticate it by the fingerprint in
 * SDP, so nothing else about it matters), and the datagram BIO method.
 */
#include "wire/webrtc/dtls_internal.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <string.h>

#include "actr/error.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static SSL_CTX *g_ctx;
static uint8_t g_fp[ACTR_DTLS_FINGERPRINT_LEN];

/* Profiles offered for media keying (RFC 5764, RFC 7714); also what makes werift happy. */
#define DTLS_SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
/* ECDSA suites of DTLS 1.2 that libwebrtc, werift and Firefox all speak. */
#define DTLS_CIPHERS                                                                          \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:" \
    "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA"

static X509 *make_cert(EVP_PKEY *key)
{
    X509 *x = X509_new();
    if (!x)
        return NULL;
    uint8_t serial[8];
    if (RAND_bytes(serial, sizeof(serial)) != 1)
        goto fail;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
        BN_free(bn);
        goto fail;
    }
    BN_free(bn);
    X509_set_version(x, 2);
    /* A day back for clock skew, a month ahead: it lives as long as the process. */
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400L);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"actr-webrtc", -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    if (X509_set_pubkey(x, key) != 1 || X509_sign(x, key, EVP_sha256()) == 0)
        goto fail;
    return x;
fail:
    X509_free(x);
    return NULL;
}

static void init_once(void)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!key)
        return;
    X509 *cert = make_cert(key);
    SSL_CTX *ctx = cert ? SSL_CTX_new(DTLS_method()) : NULL;
    unsigned fplen = 0;
    if (!ctx || SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1 ||
        X509_digest(cert, EVP_sha256(), g_fp, &fplen) != 1 || fplen != sizeof(g_fp))
        goto fail;
    SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(ctx, DTLS_CIPHERS) != 1)
        goto fail;
    /* 0 means success for this one. */
    if (SSL_CTX_set_tlsext_use_srtp(ctx, DTLS_SRTP_PROFILES) != 0)
        goto fail;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       actr_dtls_verify_cb);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
    g_ctx = ctx;
    X509_free(cert); /* the context holds its own references */
    EVP_PKEY_free(key);
    return;
fail:
    SSL_CTX_free(ctx);
    X509_free(cert);
    EVP_PKEY_free(key);
    ERR_clear_error();
}

SSL_CTX *actr_dtls_ctx(void)
{
    pthread_once(&g_once, init_once);
    return g_ctx;
}

int actr_dtls_local_fingerprint(uint8_t fp[ACTR_DTLS_FINGERPRINT_LEN])
{
    if (!actr_dtls_ctx())
        return ACTR_EINTERNAL;
    memcpy(fp, g_fp, sizeof(g_fp));
    return 0;
}
