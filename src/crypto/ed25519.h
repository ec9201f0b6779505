/* ed25519.h - library-internal access to Ed25519 keys and to OpenSSL's bare verifier. */
#ifndef ACTR_CRYPTO_ED25519_H
#define ACTR_CRYPTO_ED25519_H

#include "actr/crypto.h"

/*
 * Copies the 32-byte seed out of key. Only the key-file writer may call this: it is the one
 * place where private key bytes leave the library (platform.md §5.2). Wipe seed after use.
 */
int actr_signing_key_export_seed(const actr_signing_key_t *key,
                                 uint8_t seed[ACTR_ED25519_SEED_LEN]);

/*
 * OpenSSL's own Ed25519 verification, without the strict checks of actr_ed25519_verify(). Tests
 * use it to show which inputs OpenSSL accepts and our layer rejects. 0 or ACTR_ESIGNATURE.
 */
int actr_ed25519_verify_openssl(const uint8_t pub[32], const void *msg, size_t msg_len,
                                const uint8_t sig[64]);

#endif /* ACTR_CRYPTO_ED25519_H */
