/*
 * client.h - the node's AIS client: POST {ais}/register (LINKED or PACKAGE) and {ais}/renew
 * (protocol.md §5.1, §5.2, §7.1), asynchronous on the hyper's loop through actr_curl_uv_t.
 *
 * Every call ends in exactly one completion callback (unless actr_ais_cancel() abandons it),
 * never inside the call that started it, with a classification the credential manager acts on:
 *
 *   OK                 a RegisterOk that decoded and passed every check (grant.h; for /renew
 *                      also same ActrId, credential_expires_at, renewal_token and its expiry)
 *   INVALID            400: the request is wrong; retrying the same request will not help
 *   TOKEN_REJECTED     401: renewal token invalid or expired -> hard rebind (also a 401 proof
 *                      "too old" on /register)
 *   REALM_UNAVAILABLE  403: realm missing, disabled, expired, bad realm secret, manufacturer not
 *                      verified, nonce reused -> stop retrying
 *   RATE_LIMITED       429: wait retry_after_ms (Retry-After, seconds or an HTTP date)
 *   RETRYABLE          5xx, 408, connection failures and timeouts -> back off and retry
 *   PROTOCOL_ERROR     an undecodable or invalid answer, a response without a result, any
 *                      other status
 *   CANCELED           the client was freed or the HTTP driver closed while the call was in
 *                      flight
 *
 * An ErrorResponse in a 200 body is classified by its code exactly as an HTTP status would be
 * (actrix answers /register errors with HTTP 200), as the reference does. All functions run on
 * the loop thread.
 */
#ifndef ACTR_PLATFORM_AIS_CLIENT_H
#define ACTR_PLATFORM_AIS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "actr.pb-c.h"
#include "actr/acl.h"
#include "actr/crypto.h"
#include "actr/error.h"
#include "actr/types.h"
#include "platform/ais/curl_uv.h"
#include "platform/ais/grant.h"
#include "platform/ais/proof.h"

#define ACTR_AIS_REALM_SECRET_HEADER "x-actrix-realm-secret"
#define ACTR_AIS_DEFAULT_TIMEOUT_MS 30000u         /* the reference's client timeout */
#define ACTR_AIS_DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define ACTR_AIS_DEFAULT_RETRY_AFTER_MS 1000u      /* 429 without a usable Retry-After */
#define ACTR_AIS_MAX_RETRY_AFTER_MS 3600000u       /* a Retry-After is capped at one hour */
#define ACTR_AIS_MAX_RESPONSE_BYTES (64u * 1024u)  /* a RegisterOk is about 1 KiB */

typedef struct actr_ais_client actr_ais_client_t;
typedef struct actr_ais_call actr_ais_call_t;

typedef enum actr_ais_status {
    ACTR_AIS_OK = 0,
    ACTR_AIS_INVALID,
    ACTR_AIS_TOKEN_REJECTED,
    ACTR_AIS_REALM_UNAVAILABLE,
    ACTR_AIS_RATE_LIMITED,
    ACTR_AIS_RETRYABLE,
    ACTR_AIS_PROTOCOL_ERROR,
    ACTR_AIS_CANCELED,
} actr_ais_status_t;

typedef struct actr_ais_client_options {
    /* {ais}, including the "/ais" prefix, e.g. "http://127.0.0.1:8081/ais"; "/register" and
     * "/renew" are appended (a trailing '/' is ignored). http:// or https:// only. */
    const char *endpoint;
    /* Sent as x-actrix-realm-secret on /register (never on /renew), trimmed; NULL or blank: not
     * sent. Control characters are refused. */
    const char *realm_secret;
    uint32_t connect_timeout_ms; /* 0: ACTR_AIS_DEFAULT_CONNECT_TIMEOUT_MS */
    uint32_t timeout_ms;         /* whole request; 0: ACTR_AIS_DEFAULT_TIMEOUT_MS */
    const actr_crypto_provider_t *crypto; /* verification, proofs; NULL: the default */
    int64_t (*now_s)(void *ctx); /* wall clock (proof signed_at, Retry-After dates); NULL: real */
    void *now_ctx;
} actr_ais_client_options_t;

typedef enum actr_ais_mode {
    ACTR_AIS_MODE_PACKAGE = 1, /* RegisterAuthMode values */
    ACTR_AIS_MODE_LINKED = 2,
} actr_ais_mode_t;

/*
 * What to register. Everything is borrowed for the duration of actr_ais_register() only: the
 * request is encoded (and a proof signed) before it returns.
 */
typedef struct actr_ais_register_params {
    actr_ais_mode_t mode;
    actr_type_t type;  /* LINKED: from the config; PACKAGE: from the verified manifest */
    uint32_t realm_id;
    const actr_acl_t *acl;                  /* NULL: no acl field */
    const Actr__ServiceSpec *service_spec;  /* NULL: none */
    const char *ws_address;                 /* LINKED only; NULL: none */
    /* PACKAGE only */
    const uint8_t *manifest_raw; /* the exact signed manifest bytes */
    size_t manifest_raw_len;
    const uint8_t *mfr_signature; /* 64 bytes */
    const char *target;           /* binary.target */
    /* Manufacturer proof for an unpublished package (AIS Path 2): a key handle of the client's
     * crypto provider (actr_signing_key_t * for the default one), signed fresh on each call; or a
     * ready proof (tests, replays); or neither for a published package (Path 1). */
    void *mfr_key;
    const actr_ais_proof_t *proof;
} actr_ais_register_params_t;

typedef struct actr_ais_result {
    actr_ais_status_t status;
    int code;              /* ACTR_E*: 0 for OK */
    long http_status;      /* 0 when no response arrived */
    uint32_t error_code;   /* ErrorResponse.code, 0 when none */
    uint64_t retry_after_ms; /* RATE_LIMITED only */
    char message[ACTR_ERROR_MESSAGE_MAX];
    actr_ais_grant_t grant; /* OK only */
} actr_ais_result_t;

/* res is valid for the callback's duration; copy res->grant to keep it. */
typedef void (*actr_ais_done_fn)(const actr_ais_result_t *res, void *arg);

/* Creates a client over http (which must outlive it). EINVAL with err for bad options; ENOMEM. */
int actr_ais_client_new(actr_curl_uv_t *http, const actr_ais_client_options_t *opts,
                        actr_ais_client_t **out, actr_error_t *err);

/*
 * Frees the client. Calls still in flight complete first, synchronously, with CANCELED (so their
 * callbacks can release what they carry). NULL is allowed. Free clients before closing the
 * actr_curl_uv_t they use.
 */
void actr_ais_client_free(actr_ais_client_t *c);

/*
 * Starts a registration. Synchronous errors (nothing sent, done never called): EINVAL for params
 * that could not be valid (invalid type, LINKED with package fields, PACKAGE without manifest,
 * 64-byte signature or target, an invalid ACL), the proof's errors, ENOMEM, ECLOSED.
 */
int actr_ais_register(actr_ais_client_t *c, const actr_ais_register_params_t *params,
                      actr_ais_done_fn done, void *arg, actr_ais_call_t **call, actr_error_t *err);

/* Starts a renewal of id with its 32-byte renewal token. Synchronous errors as above. */
int actr_ais_renew(actr_ais_client_t *c, const actr_id_t *id,
                   const uint8_t token[ACTR_AIS_RENEWAL_TOKEN_LEN], actr_ais_done_fn done,
                   void *arg, actr_ais_call_t **call, actr_error_t *err);

/* Abandons a call before its callback ran; the callback is never called. */
void actr_ais_cancel(actr_ais_call_t *call);

/* The class of an HTTP status or ErrorResponse code (see the table above; 2xx gives OK). */
actr_ais_status_t actr_ais_classify_code(uint32_t code);

/* "ok", "invalid", "token_rejected", ... */
const char *actr_ais_status_name(actr_ais_status_t status);

#endif /* ACTR_PLATFORM_AIS_CLIENT_H */
