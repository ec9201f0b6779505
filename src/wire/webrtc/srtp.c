/*
 * srtp.c - SRTP/SRTCP contexts on libsrtp2, keyed from the DTLS-SRTP exporter (rtp.h).
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "actr/error.h"
#include "wire/webrtc/rtp.h"

struct actr_srtp {
    srtp_t session;
};

static pthread_once_t srtp_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t srtp_init_status = srtp_err_status_fail;

static void init_once(void)
{
    srtp_init_status = srtp_init();
}

int actr_srtp_key_lengths(actr_srtp_profile_t profile, size_t *key_len, size_t *salt_len)
{
    size_t k, s;
    switch (profile) {
    case ACTR_SRTP_AES128_CM_SHA1_80:
    case ACTR_SRTP_AES128_CM_SHA1_32:
        k = 16, s = 14;
        break;
    case ACTR_SRTP_AEAD_AES_128_GCM:
        k = 16, s = 12;
        break;
    case ACTR_SRTP_AEAD_AES_256_GCM:
        k = 32, s = 12;
        break;
    default:
        return ACTR_EUNSUPPORTED;
    }
    if (key_len)
        *key_len = k;
    if (salt_len)
        *salt_len = s;
    return 0;
}

size_t actr_srtp_export_len(actr_srtp_profile_t profile)
{
    size_t k = 0, s = 0;
    if (actr_srtp_key_lengths(profile, &k, &s) != 0)
        return 0;
    return 2 * (k + s);
}

int actr_srtp_new(actr_srtp_profile_t profile, const uint8_t *key, size_t key_len,
                  const uint8_t *salt, size_t salt_len, int outbound, actr_srtp_t **out)
{
    size_t k, s;
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    if (actr_srtp_key_lengths(profile, &k, &s) != 0)
        return ACTR_EUNSUPPORTED;
    if (!key || !salt || key_len != k || salt_len != s)
        return ACTR_EINVAL;
    pthread_once(&srtp_once, init_once);
    if (srtp_init_status != srtp_err_status_ok)
        return ACTR_EINTERNAL;
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    if (srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, (srtp_profile_t)profile) !=
            srtp_err_status_ok ||
        srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, (srtp_profile_t)profile) !=
            srtp_err_status_ok)
        return ACTR_EUNSUPPORTED;
    unsigned char master[32 + 14]; /* libsrtp2 wants key || salt in one buffer */
    memcpy(master, key, k);
    memcpy(master + k, salt, s);
    policy.key = master;
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.window_size = 1024;
    policy.allow_repeat_tx = 0;
    actr_srtp_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        memset(master, 0, sizeof master);
        return ACTR_ENOMEM;
    }
    srtp_err_status_t st = srtp_create(&ctx->session, &policy);
    memset(master, 0, sizeof master);
    if (st != srtp_err_status_ok) {
        free(ctx);
        return st == srtp_err_status_alloc_fail ? ACTR_ENOMEM : ACTR_EINTERNAL;
    }
    *out = ctx;
    return 0;
}

int actr_srtp_from_dtls(actr_srtp_profile_t profile, const uint8_t *material, size_t len,
                        int is_client, actr_srtp_t **tx, actr_srtp_t **rx)
{
    size_t k, s;
    if (!tx || !rx)
        return ACTR_EINVAL;
    *tx = *rx = NULL;
    if (actr_srtp_key_lengths(profile, &k, &s) != 0)
        return ACTR_EUNSUPPORTED;
    if (!material || len != 2 * (k + s))
        return ACTR_EINVAL;
    const uint8_t *client_key = material, *server_key = material + k;
    const uint8_t *client_salt = material + 2 * k, *server_salt = material + 2 * k + s;
    int rc = actr_srtp_new(profile, is_client ? client_key : server_key, k,
                           is_client ? client_salt : server_salt, s, 1, tx);
    if (rc == 0)
        rc = actr_srtp_new(profile, is_client ? server_key : client_key, k,
                           is_client ? server_salt : client_salt, s, 0, rx);
    if (rc != 0) {
        actr_srtp_free(*tx);
        *tx = NULL;
    }
    return rc;
}

void actr_srtp_free(actr_srtp_t *s)
{
    if (!s)
        return;
    srtp_dealloc(s->session);
    free(s);
}

static int map_status(srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_ok:
        return 0;
    case srtp_err_status_auth_fail:
        return ACTR_ESIGNATURE;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        return ACTR_EEXIST;
    default:
        return ACTR_EPROTO;
    }
}

typedef srtp_err_status_t (*srtp_fn)(srtp_t, void *, int *);

static int run(actr_srtp_t *s, srtp_fn fn, uint8_t *pkt, size_t len, size_t cap, size_t min,
               size_t *out_len)
{
    if (!s || !pkt || len < min || len > INT_MAX - ACTR_SRTP_TRAILER_ROOM)
        return !s || !pkt ? ACTR_EINVAL : ACTR_EPROTO;
    if (cap < len)
        return ACTR_ETOOBIG;
    int n = (int)len;
    int rc = map_status(fn(s->session, pkt, &n));
    if (rc == 0 && out_len)
        *out_len = (size_t)n;
    return rc;
}

int actr_srtp_protect(actr_srtp_t *s, uint8_t *pkt, size_t len, size_t cap, size_t *out_len)
{
    if (cap < len + ACTR_SRTP_TRAILER_ROOM)
        return ACTR_ETOOBIG;
    return run(s, srtp_protect, pkt, len, cap, ACTR_RTP_HEADER_LEN, out_len);
}

int actr_srtp_unprotect(actr_srtp_t *s, uint8_t *pkt, size_t len, size_t *out_len)
{
    return run(s, srtp_unprotect, pkt, len, len, ACTR_RTP_HEADER_LEN, out_len);
}

int actr_srtp_protect_rtcp(actr_srtp_t *s, uint8_t *pkt, size_t len, size_t cap,
                           size_t *out_len)
{
    if (cap < len + ACTR_SRTP_TRAILER_ROOM)
        return ACTR_ETOOBIG;
    return run(s, srtp_protect_rtcp, pkt, len, cap, 8, out_len);
}

int actr_srtp_unprotect_rtcp(actr_srtp_t *s, uint8_t *pkt, size_t len, size_t *out_len)
{
    return run(s, srtp_unprotect_rtcp, pkt, len, len, 8, out_len);
}
