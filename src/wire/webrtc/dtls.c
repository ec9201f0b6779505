/*
 * dtls.c - one DTLS 1.2 endpoint over ICE (see dtls.h): datagram BIO, held input and output,
 * fingerprint verification, retransmission timer on the uv loop, SRTP key export.
 */
#include "wire/webrtc/dtls_internal.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "actr/log.h"

#define LOG_MODULE "webrtc"
#define DTLS_READ_BUF (16 * 1024 + 512) /* one record's plaintext at most */

typedef struct held {
    uint8_t *data;
    size_t len;
} held_t;

struct actr_dtls {
    uv_loop_t *loop;
    uv_timer_t timer;
    actr_dtls_callbacks_t cbs;
    void *arg;
    SSL *ssl;
    BIO *bio;
    bool started, client, transport_ready, connected, failed, closing;
    bool fp_mismatch;
    uint8_t remote_fp[ACTR_DTLS_FINGERPRINT_LEN];
    /* the datagram OpenSSL is reading right now */
    const uint8_t *in;
    size_t in_len;
    held_t held_in[ACTR_DTLS_HOLD_MAX], held_out[ACTR_DTLS_HOLD_MAX];
    size_t n_in, n_out;
    actr_dtls_stats_t stats;
    void (*closed)(void *);
    void *closed_arg;
    uint8_t rbuf[DTLS_READ_BUF];
};

/* ---- the datagram BIO --------------------------------------------------------------------- */

static pthread_once_t bio_once = PTHREAD_ONCE_INIT;
static BIO_METHOD *bio_meth;

static bool hold(held_t *q, size_t *n, const uint8_t *data, size_t len)
{
    if (*n >= ACTR_DTLS_HOLD_MAX)
        return false;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return false;
    memcpy(copy, data, len);
    q[*n].data = copy;
    q[*n].len = len;
    (*n)++;
    return true;
}

static void held_clear(held_t *q, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free(q[i].data);
    *n = 0;
}

static int bio_write(BIO *b, const char *data, int len)
{
    actr_dtls_t *d = BIO_get_data(b);
    if (len <= 0)
        return 0;
    if (d->transport_ready && d->n_out == 0) {
        if (d->cbs.send(d->arg, (const uint8_t *)data, (size_t)len) == 0)
            d->stats.records_out++;
        /* A lost datagram is DTLS's to retransmit (handshake) or SCTP's (data). */
        return len;
    }
    if (!hold(d->held_out, &d->n_out, (const uint8_t *)data, (size_t)len))
        d->stats.held_dropped++;
    return len;
}

static int bio_read(BIO *b, char *out, int cap)
{
    actr_dtls_t *d = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (!d->in) {
        BIO_set_retry_read(b);
        return -1;
    }
    size_t n = d->in_len < (size_t)cap ? d->in_len : (size_t)cap;
    memcpy(out, d->in, n);
    d->in = NULL;
    d->in_len = 0;
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return ACTR_DTLS_MTU;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int bio_destroy(BIO *b)
{
    BIO_set_data(b, NULL);
    return 1;
}

static void bio_init_once(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "actr dtls dgram");
    if (!m)
        return;
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    BIO_meth_set_destroy(m, bio_destroy);
    bio_meth = m;
}

/* ---- verification ------------------------------------------------------------------------- */

int actr_dtls_verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
    (void)preverify_ok; /* self-signed: the chain cannot verify, the fingerprint decides */
    if (X509_STORE_CTX_get_error_depth(store) != 0)
        return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    actr_dtls_t *d = ssl ? SSL_get_app_data(ssl) : NULL;
    X509 *cert = X509_STORE_CTX_get_current_cert(store);
    if (!d || !cert)
        return 0;
    uint8_t fp[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (X509_digest(cert, EVP_sha256(), fp, &len) != 1 || len != ACTR_DTLS_FINGERPRINT_LEN ||
        memcmp(fp, d->remote_fp, len) != 0) {
        d->fp_mismatch = true;
        return 0;
    }
    return 1;
}

/* ---- engine ------------------------------------------------------------------------------- */

static void fail(actr_dtls_t *d, int code, const char *why)
{
    if (d->failed || d->closing)
        return;
    d->failed = true;
    uv_timer_stop(&d->timer);
    actr_log(ACTR_LOG_WARN, LOG_MODULE, "dtls failed", ACTR_KV("reason", why), ACTR_KV_END);
    if (d->cbs.on_failed)
        d->cbs.on_failed(d->arg, code, why);
}

static void on_timer(uv_timer_t *t);

static void arm_timer(actr_dtls_t *d)
{
    struct timeval tv;
    if (d->failed || d->closing || !d->ssl || !DTLSv1_get_timeout(d->ssl, &tv)) {
        uv_timer_stop(&d->timer);
        return;
    }
    uint64_t ms = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
    uv_timer_start(&d->timer, on_timer, ms, 0);
}

static void ssl_fail(actr_dtls_t *d, int rc, const char *what)
{
    char why[200];
    if (d->fp_mismatch) {
        snprintf(why, sizeof(why), "remote certificate fingerprint does not match the SDP");
        ERR_clear_error();
        fail(d, ACTR_ESIGNATURE, why);
        return;
    }
    unsigned long e = ERR_get_error();
    char estr[120] = "";
    if (e)
        ERR_error_string_n(e, estr, sizeof(estr));
    snprintf(why, sizeof(why), "%s: ssl error %d %s", what, SSL_get_error(d->ssl, rc), estr);
    ERR_clear_error();
    fail(d, ACTR_EPROTO, why);
}

static void handshake(actr_dtls_t *d)
{
    int rc = SSL_do_handshake(d->ssl);
    if (rc == 1) {
        d->connected = true;
        if (d->cbs.on_connected)
            d->cbs.on_connected(d->arg);
        return;
    }
    int err = SSL_get_error(d->ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return;
    }
    ssl_fail(d, rc, "handshake");
}

static void read_records(actr_dtls_t *d)
{
    for (int guard = 0; guard < 64 && !d->failed && !d->closing; guard++) {
        int n = SSL_read(d->ssl, d->rbuf, sizeof(d->rbuf));
        if (n > 0) {
            d->stats.records_in++;
            if (d->cbs.on_data)
                d->cbs.on_data(d->arg, d->rbuf, (size_t)n);
            continue;
        }
        int err = SSL_get_error(d->ssl, n);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            return;
        }
        if (err == SSL_ERROR_ZERO_RETURN) {
            ERR_clear_error();
            uv_timer_stop(&d->timer);
            d->failed = true; /* nothing more will come */
            if (d->cbs.on_closed)
                d->cbs.on_closed(d->arg);
            return;
        }
        /* A record that does not authenticate is dropped silently by DTLS (RFC 6347 4.1.2.7);
         * OpenSSL reports what it cannot skip. */
        ssl_fail(d, n, "read");
        return;
    }
}

static void process(actr_dtls_t *d, const uint8_t *data, size_t len)
{
    d->in = data;
    d->in_len = len;
    if (!d->connected) {
        handshake(d);
        if (d->connected)
            read_records(d); /* records that came with the last flight */
    } else {
        read_records(d);
    }
    if (d->in) {
        /* OpenSSL did not even look at it (e.g. garbage after a failure). */
        d->stats.bad_datagrams++;
        d->in = NULL;
    }
    arm_timer(d);
}

static void on_timer(uv_timer_t *t)
{
    actr_dtls_t *d = t->data;
    if (d->failed || d->closing || !d->ssl)
        return;
    if (DTLSv1_handle_timeout(d->ssl) < 0) {
        ssl_fail(d, -1, "retransmission limit");
        return;
    }
    arm_timer(d);
}

int actr_dtls_new(uv_loop_t *loop, const actr_dtls_callbacks_t *cbs, void *arg, actr_dtls_t **out)
{
    if (!loop || !cbs || !cbs->send || !out)
        return ACTR_EINVAL;
    SSL_CTX *ctx = actr_dtls_ctx();
    pthread_once(&bio_once, bio_init_once);
    if (!ctx || !bio_meth)
        return ACTR_EINTERNAL;
    actr_dtls_t *d = calloc(1, sizeof(*d));
    if (!d)
        return ACTR_ENOMEM;
    d->loop = loop;
    d->cbs = *cbs;
    d->arg = arg;
    uv_timer_init(loop, &d->timer);
    d->timer.data = d;
    *out = d;
    return 0;
}

int actr_dtls_start(actr_dtls_t *d, bool client, const uint8_t remote_fp[ACTR_DTLS_FINGERPRINT_LEN])
{
    if (d->started || d->closing)
        return ACTR_ESTATE;
    d->ssl = SSL_new(actr_dtls_ctx());
    d->bio = d->ssl ? BIO_new(bio_meth) : NULL;
    if (!d->ssl || !d->bio) {
        BIO_free(d->bio);
        d->bio = NULL;
        SSL_free(d->ssl);
        d->ssl = NULL;
        ERR_clear_error();
        return ACTR_EINTERNAL;
    }
    BIO_set_data(d->bio, d);
    SSL_set_bio(d->ssl, d->bio, d->bio); /* one reference for both directions */
    SSL_set_app_data(d->ssl, d);
    DTLS_set_link_mtu(d->ssl, ACTR_DTLS_MTU);
    memcpy(d->remote_fp, remote_fp, ACTR_DTLS_FINGERPRINT_LEN);
    d->client = client;
    d->started = true;
    if (client)
        SSL_set_connect_state(d->ssl);
    else
        SSL_set_accept_state(d->ssl);
    if (client && d->transport_ready) {
        handshake(d);
        arm_timer(d);
    }
    /* Replay what came early, in order. */
    for (size_t i = 0; i < d->n_in && !d->failed; i++)
        process(d, d->held_in[i].data, d->held_in[i].len);
    held_clear(d->held_in, &d->n_in);
    return 0;
}

void actr_dtls_transport_ready(actr_dtls_t *d)
{
    if (d->transport_ready || d->closing)
        return;
    d->transport_ready = true;
    for (size_t i = 0; i < d->n_out; i++)
        if (d->cbs.send(d->arg, d->held_out[i].data, d->held_out[i].len) == 0)
            d->stats.records_out++;
    held_clear(d->held_out, &d->n_out);
    if (d->started && d->client && !d->connected && !d->failed) {
        handshake(d);
        arm_timer(d);
    }
}

void actr_dtls_input(actr_dtls_t *d, const uint8_t *data, size_t len)
{
    if (d->failed || d->closing || len == 0)
        return;
    if (!d->started) {
        if (!hold(d->held_in, &d->n_in, data, len))
            d->stats.held_dropped++;
        return;
    }
    process(d, data, len);
}

int actr_dtls_send(actr_dtls_t *d, const uint8_t *data, size_t len)
{
    if (!d->connected || d->failed || d->closing)
        return ACTR_ESTATE;
    int n = SSL_write(d->ssl, data, (int)len);
    if (n != (int)len) {
        ERR_clear_error();
        return ACTR_EIO;
    }
    return 0;
}

bool actr_dtls_is_connected(const actr_dtls_t *d)
{
    return d->connected && !d->failed;
}

bool actr_dtls_is_client(const actr_dtls_t *d)
{
    return d->client;
}

int actr_dtls_srtp_keys(actr_dtls_t *d, actr_dtls_srtp_t *out)
{
    if (!d->connected)
        return ACTR_ESTATE;
    SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    if (!p)
        return ACTR_EUNSUPPORTED;
    memset(out, 0, sizeof(*out));
    out->profile = (uint16_t)p->id;
    if (p->id == SRTP_AES128_CM_SHA1_80 || p->id == SRTP_AES128_CM_SHA1_32) {
        out->key_len = 16;
        out->salt_len = 14;
    } else if (p->id == SRTP_AEAD_AES_128_GCM) {
        out->key_len = 16;
        out->salt_len = 12;
    } else if (p->id == SRTP_AEAD_AES_256_GCM) {
        out->key_len = 32;
        out->salt_len = 12;
    } else {
        return ACTR_EUNSUPPORTED;
    }
    uint8_t km[2 * (32 + 14)];
    size_t k = out->key_len, s = out->salt_len;
    static const char label[] = "EXTRACTOR-dtls_srtp";
    if (SSL_export_keying_material(d->ssl, km, 2 * (k + s), label, sizeof(label) - 1, NULL, 0,
                                   0) != 1) {
        ERR_clear_error();
        return ACTR_EINTERNAL;
    }
    /* client_key | server_key | client_salt | server_salt (RFC 5764 4.2) */
    const uint8_t *ck = km, *sk = km + k, *cs = km + 2 * k, *ss = km + 2 * k + s;
    memcpy(out->local_key, d->client ? ck : sk, k);
    memcpy(out->remote_key, d->client ? sk : ck, k);
    memcpy(out->local_salt, d->client ? cs : ss, s);
    memcpy(out->remote_salt, d->client ? ss : cs, s);
    OPENSSL_cleanse(km, sizeof(km));
    return 0;
}

void actr_dtls_get_stats(const actr_dtls_t *d, actr_dtls_stats_t *out)
{
    *out = d->stats;
}

static void on_timer_closed(uv_handle_t *h)
{
    actr_dtls_t *d = h->data;
    void (*closed)(void *) = d->closed;
    void *arg = d->closed_arg;
    free(d);
    if (closed)
        closed(arg);
}

void actr_dtls_close(actr_dtls_t *d, void (*closed)(void *arg), void *arg)
{
    if (!d || d->closing)
        return;
    if (d->connected && !d->failed) {
        (void)SSL_shutdown(d->ssl); /* close_notify, best effort */
        ERR_clear_error();
    }
    d->closing = true;
    d->closed = closed;
    d->closed_arg = arg;
    SSL_free(d->ssl); /* frees the BIO too */
    d->ssl = NULL;
    held_clear(d->held_in, &d->n_in);
    held_clear(d->held_out, &d->n_out);
    uv_timer_stop(&d->timer);
    uv_close((uv_handle_t *)&d->timer, on_timer_closed);
}
