/*
 * crypto.h - the crypto provider: SHA-256, HMAC, randomness, Ed25519 and manufacturer key files.
 *
 * The free functions are the default provider (OpenSSL 3). Code that must stay swappable (the
 * platform layer) calls through an actr_crypto_provider_t instead, so an HSM- or KMS-backed
 * provider can replace signing and verification without touching the callers.
 *
 * Private keys live inside an opaque actr_signing_key_t: no function returns the seed bytes, and
 * the only way they leave the library is actr_keyfile_write() (spec platform.md §5.2).
 *
 * Ed25519 verification is strict, like ed25519-dalek's verify_strict() used by the reference
 * for packages: it rejects small-order public keys and R points (so an all-zero "dev" key accepts
 * nothing), non-canonical point encodings and non-canonical S (S >= L).
 */
#ifndef ACTR_CRYPTO_H
#define ACTR_CRYPTO_H

#include "actr/common.h"
#include "actr/error.h"

ACTR_BEGIN_DECLS

#define ACTR_SHA1_LEN 20
#define ACTR_SHA256_LEN 32
#define ACTR_ED25519_PUBLIC_KEY_LEN 32
#define ACTR_ED25519_SEED_LEN 32
#define ACTR_ED25519_SIGNATURE_LEN 64
/* "mfr-" + 16 lowercase hex digits + NUL. */
#define ACTR_MFR_KEY_ID_SIZE 21

/* ---- Hashing and MACs -------------------------------------------------------------------- */

/* SHA-256 of len bytes (data may be NULL when len is 0). Returns 0 or ACTR_EINTERNAL. */
ACTR_API int actr_sha256(const void *data, size_t len, uint8_t out[ACTR_SHA256_LEN]);

/*
 * Streaming SHA-256, for package entries too large to hold in memory. init allocates; final
 * writes the digest and releases; discard releases without a digest (safe to call after final or
 * on a zeroed context, so error paths can always call it).
 */
typedef struct actr_sha256_ctx {
    void *impl;
} actr_sha256_ctx_t;

ACTR_API int actr_sha256_init(actr_sha256_ctx_t *ctx);
ACTR_API int actr_sha256_update(actr_sha256_ctx_t *ctx, const void *data, size_t len);
ACTR_API int actr_sha256_final(actr_sha256_ctx_t *ctx, uint8_t out[ACTR_SHA256_LEN]);
ACTR_API void actr_sha256_discard(actr_sha256_ctx_t *ctx);

/* HMAC-SHA1: the coturn REST password is base64(HMAC-SHA1(secret, username)). */
ACTR_API int actr_hmac_sha1(const void *key, size_t key_len, const void *data, size_t len,
                            uint8_t out[ACTR_SHA1_LEN]);
/* HMAC-SHA256: the renewal-token successor derivation (protocol.md §4.3). */
ACTR_API int actr_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                              uint8_t out[ACTR_SHA256_LEN]);

/* Fills out with len bytes from the OpenSSL CSPRNG. Returns 0 or ACTR_EINTERNAL. */
ACTR_API int actr_random_bytes(void *out, size_t len);

/* Compares secrets (MACs, token hashes) in time independent of their contents: 1 if equal. */
ACTR_API int actr_ct_equal(const void *a, const void *b, size_t len);

/* ---- Ed25519 ------------------------------------------------------------------------------ */

/*
 * Strict Ed25519 verification of sig over msg under pub (see the top of this file). Lengths are
 * taken from the caller because keys and signatures arrive as protobuf/JSON bytes: a public key
 * that is not 32 bytes or a signature that is not 64 gives ACTR_EINVAL; every other failure,
 * including an invalid or small-order key, gives ACTR_ESIGNATURE.
 */
ACTR_API int actr_ed25519_verify(const uint8_t *pub, size_t pub_len, const void *msg,
                                 size_t msg_len, const uint8_t *sig, size_t sig_len);

/*
 * Whether pub decodes to a curve point (RFC 8032 §5.1.3): what the reference checks when a trust
 * anchor or an AIS signing key is configured. Small-order points decode, so this accepts the
 * all-zero dev key; actr_ed25519_verify() still rejects every signature under it. Returns 0,
 * ACTR_EINVAL (length) or ACTR_EPARSE (not a point).
 */
ACTR_API int actr_ed25519_pubkey_valid(const uint8_t *pub, size_t pub_len);

/* Manufacturer key id "mfr-" + first 16 hex digits of SHA-256(pub) (protocol.md §4.5). */
ACTR_API int actr_mfr_key_id(const uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN],
                             char out[ACTR_MFR_KEY_ID_SIZE]);

/* An Ed25519 private key held inside the library. Thread-safe for concurrent signing. */
typedef struct actr_signing_key actr_signing_key_t;

/* Creates a key from fresh CSPRNG bytes. Returns 0, ACTR_ENOMEM or ACTR_EINTERNAL. */
ACTR_API int actr_signing_key_generate(actr_signing_key_t **out);
/* Creates a key from its 32-byte seed (the form key files store). ACTR_EINVAL for a bad length. */
ACTR_API int actr_signing_key_from_seed(const uint8_t *seed, size_t seed_len,
                                        actr_signing_key_t **out);
/* Deterministic RFC 8032 signature of msg (NULL allowed when len is 0). */
ACTR_API int actr_signing_key_sign(const actr_signing_key_t *key, const void *msg, size_t len,
                                   uint8_t sig[ACTR_ED25519_SIGNATURE_LEN]);
ACTR_API void actr_signing_key_public(const actr_signing_key_t *key,
                                      uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN]);
/* Wipes and frees the key; NULL is allowed. */
ACTR_API void actr_signing_key_free(actr_signing_key_t *key);

/* ---- Key files (platform.md §2.6) ---------------------------------------------------------- */

/* Replace an existing file instead of failing with ACTR_EEXIST. */
#define ACTR_KEYFILE_FORCE 1u

/*
 * Manufacturer key file: JSON {"private_key": std base64 of the 32-byte seed, "public_key": std
 * base64 of the 32-byte key, "created_at": RFC 3339 UTC, "note": text}. Loading requires both
 * keys and checks that public_key belongs to the seed; other fields are ignored. Parsing is as
 * strict as the reference's serde: trailing text, repeated key fields and NUL characters are
 * refused. source names the input in error messages (NULL: "<memory>"). Errors: ACTR_ENOTFOUND,
 * ACTR_EPERM, ACTR_EIO, ACTR_EINVAL (not a regular file), ACTR_ETOOBIG (over 64 KiB),
 * ACTR_EPARSE (syntax, field type, base64, length), ACTR_ESIGNATURE (public_key does not match),
 * ACTR_ENOMEM; err says which file and field.
 */
ACTR_API int actr_keyfile_load(const char *path, actr_signing_key_t **out, actr_error_t *err);
ACTR_API int actr_keyfile_parse(const char *json, size_t len, const char *source,
                                actr_signing_key_t **out, actr_error_t *err);

/*
 * Writes key as a manufacturer key file with mode 0600, atomically: a temporary file in the same
 * directory is written, fsynced and then linked (or, with ACTR_KEYFILE_FORCE, renamed) into
 * place, so readers never see a partial file. Without the flag an existing path gives
 * ACTR_EEXIST and is left untouched. note may be NULL (written as "").
 */
ACTR_API int actr_keyfile_write(const char *path, const actr_signing_key_t *key, const char *note,
                                unsigned flags, actr_error_t *err);

/*
 * public-key.json, the static trust anchor: {"public_key": std base64 of 32 bytes}; other fields
 * are ignored (the MFR registry's /verifying_key answer has the same shape). The key must decode
 * to a curve point. Errors as for actr_keyfile_load().
 */
ACTR_API int actr_pubkey_file_load(const char *path, uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN],
                                   actr_error_t *err);
ACTR_API int actr_pubkey_file_parse(const char *json, size_t len, const char *source,
                                    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN], actr_error_t *err);
/* Writes {"public_key", "key_id"} with mode 0644, atomically, like actr_keyfile_write(). */
ACTR_API int actr_pubkey_file_write(const char *path,
                                    const uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN], unsigned flags,
                                    actr_error_t *err);

/* ---- Provider interface ------------------------------------------------------------------- */

/*
 * A crypto provider: function pointers plus the provider's own state in self (libuv-style).
 * Every function gets self back as its first argument and returns 0 or an ACTR_E* code with the
 * meaning of the matching free function above.
 *
 * Keys are handles, never bytes: sign and public_key receive the provider's own key handle. For
 * the default provider the handle is an actr_signing_key_t *; an HSM provider would pass e.g. its
 * PKCS#11 object, so the private key never enters this process. To plug one in, fill a struct
 * (static or embedded in your state), leave NULL what you do not support (the actr_crypto_*
 * wrappers then return ACTR_EUNSUPPORTED) and hand it to the platform instead of
 * actr_crypto_default_provider(). The struct must outlive every user; calls may come from any
 * thread.
 */
typedef struct actr_crypto_provider {
    void *self;
    const char *name; /* for logs, e.g. "openssl" */
    int (*ed25519_verify)(void *self, const uint8_t *pub, size_t pub_len, const void *msg,
                          size_t msg_len, const uint8_t *sig, size_t sig_len);
    int (*sha256)(void *self, const void *data, size_t len, uint8_t out[ACTR_SHA256_LEN]);
    int (*random_bytes)(void *self, void *out, size_t len);
    int (*sign)(void *self, void *key, const void *msg, size_t len,
                uint8_t sig[ACTR_ED25519_SIGNATURE_LEN]);
    int (*public_key)(void *self, void *key, uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN]);
} actr_crypto_provider_t;

/* The OpenSSL provider: the free functions above behind the vtable. Never NULL, immutable. */
ACTR_API const actr_crypto_provider_t *actr_crypto_default_provider(void);

/* Calls through a provider; NULL p means the default one, a NULL slot gives ACTR_EUNSUPPORTED. */
ACTR_API int actr_crypto_ed25519_verify(const actr_crypto_provider_t *p, const uint8_t *pub,
                                        size_t pub_len, const void *msg, size_t msg_len,
                                        const uint8_t *sig, size_t sig_len);
ACTR_API int actr_crypto_sha256(const actr_crypto_provider_t *p, const void *data, size_t len,
                                uint8_t out[ACTR_SHA256_LEN]);
ACTR_API int actr_crypto_random(const actr_crypto_provider_t *p, void *out, size_t len);
ACTR_API int actr_crypto_sign(const actr_crypto_provider_t *p, void *key, const void *msg,
                              size_t len, uint8_t sig[ACTR_ED25519_SIGNATURE_LEN]);
ACTR_API int actr_crypto_public_key(const actr_crypto_provider_t *p, void *key,
                                    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN]);

ACTR_END_DECLS

#endif /* ACTR_CRYPTO_H */
