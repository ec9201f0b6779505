/*
 * dtls_internal.h - what dtls.c and dtls_cert.c share: the process SSL_CTX (made once, with our
 * certificate) and the verify callback that checks the remote fingerprint.
 */
#ifndef ACTR_WIRE_WEBRTC_DTLS_INTERNAL_H
#define ACTR_WIRE_WEBRTC_DTLS_INTERNAL_H

#include <openssl/ssl.h>

#include "wire/webrtc/dtls.h"

/* The shared DTLS context, or NULL when the certificate could not be made. */
SSL_CTX *actr_dtls_ctx(void);

/* SSL_CTX verify callback: accepts the self-signed chain, checks the leaf's sha-256 against the
 * fingerprint the connection expects. */
int actr_dtls_verify_cb(int preverify_ok, X509_STORE_CTX *store);

#endif /* ACTR_WIRE_WEBRTC_DTLS_INTERNAL_H */
