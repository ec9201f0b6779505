/*
 * dtls.h - DTLS 1.2 over ICE for one peer connection (OpenSSL 3, RFC 8827 / RFC 5764).
 *
 * One ECDSA P-256 self-signed certificate per process, made on first use; its sha-256
 * fingerprint goes into our SDP. The remote certificate is accepted only when its sha-256
 * fingerprint equals the one of the remote SDP (a mismatch fails the handshake with a clear
 * error). use_srtp is always announced (werift needs it even without media, pitfall 3) and the
 * SRTP keying material is exported after the handshake for media.
 *
 * Datagrams: a custom BIO hands OpenSSL's output to `send` one datagram per write (a memory BIO
 * would merge them, pitfall 4). Input that arrives before actr_dtls_start() (the peer's
 * ClientHello can beat our SDP processing, pitfall 1) and output produced before
 * actr_dtls_transport_ready() (libnice drops sends before a pair is selected, pitfall 2) are held,
 * at most ACTR_DTLS_HOLD_MAX datagrams each. Retransmission timers run on the uv loop.
 *
 * Everything on the loop thread. Callbacks may not free the object; close it later.
 */
#ifndef ACTR_WIRE_WEBRTC_DTLS_H
#define ACTR_WIRE_WEBRTC_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define ACTR_DTLS_FINGERPRINT_LEN 32
#define ACTR_DTLS_HOLD_MAX 64
#define ACTR_DTLS_MTU 1200

typedef struct actr_dtls actr_dtls_t;

typedef struct actr_dtls_callbacks {
    /* One datagram to the ICE transport. */
    int (*send)(void *arg, const uint8_t *data, size_t len);
    /* Handshake complete and the remote fingerprint verified. */
    void (*on_connected)(void *arg);
    /* Application data (an SCTP packet). */
    void (*on_data)(void *arg, const uint8_t *data, size_t len);
    /* The handshake or the session failed: code is an ACTR_E* (ACTR_ESIGNATURE for a fingerprint
     * mismatch), why a readable reason. No other callback follows. */
    void (*on_failed)(void *arg, int code, const char *why);
    /* The remote side sent close_notify. */
    void (*on_closed)(void *arg);
} actr_dtls_callbacks_t;

/* SRTP master keys after the handshake (RFC 5764 4.2), local = what we protect with. */
typedef struct actr_dtls_srtp {
    uint16_t profile; /* SRTP_AES128_CM_SHA1_80 (1) or SRTP_AEAD_AES_128_GCM (7) */
    uint8_t local_key[32], local_salt[14];
    uint8_t remote_key[32], remote_salt[14];
    size_t key_len, salt_len;
} actr_dtls_srtp_t;

/* The process certificate's sha-256 fingerprint (creates the certificate on first call).
 * Returns 0 or ACTR_EINTERNAL. Thread-safe. */
int actr_dtls_local_fingerprint(uint8_t fp[ACTR_DTLS_FINGERPRINT_LEN]);

/* Creates an idle DTLS endpoint: input is held until start. Returns 0, ACTR_ENOMEM, ACTR_EINTERNAL. */
int actr_dtls_new(uv_loop_t *loop, const actr_dtls_callbacks_t *cbs, void *arg, actr_dtls_t **out);

/* Sets the role (client = setup active) and the expected remote fingerprint; replays held input.
 * A client sends its ClientHello once the transport is ready. Returns 0, ACTR_ESTATE (already
 * started) or ACTR_EINTERNAL. */
int actr_dtls_start(actr_dtls_t *d, bool client, const uint8_t remote_fp[ACTR_DTLS_FINGERPRINT_LEN]);

/* The ICE transport can send now: held output is flushed (and a client starts its handshake). */
void actr_dtls_transport_ready(actr_dtls_t *d);

/* A datagram from ICE whose first byte is in 20..63 (RFC 7983). */
void actr_dtls_input(actr_dtls_t *d, const uint8_t *data, size_t len);

/* Sends application data as one record. Returns 0, ACTR_ESTATE (not connected) or ACTR_EIO. */
int actr_dtls_send(actr_dtls_t *d, const uint8_t *data, size_t len);

bool actr_dtls_is_connected(const actr_dtls_t *d);
bool actr_dtls_is_client(const actr_dtls_t *d);

/* SRTP keying material (after on_connected). Returns 0, ACTR_ESTATE or ACTR_EUNSUPPORTED. */
int actr_dtls_srtp_keys(actr_dtls_t *d, actr_dtls_srtp_t *out);

typedef struct actr_dtls_stats {
    uint64_t records_in, records_out, held_dropped, bad_datagrams;
} actr_dtls_stats_t;
void actr_dtls_get_stats(const actr_dtls_t *d, actr_dtls_stats_t *out);

/* Sends close_notify (when connected), then frees asynchronously; `closed` (may be NULL) runs
 * once the timer handle is closed. No other callback runs after this call. NULL d: no-op. */
void actr_dtls_close(actr_dtls_t *d, void (*closed)(void *arg), void *arg);

#endif /* ACTR_WIRE_WEBRTC_DTLS_H */
