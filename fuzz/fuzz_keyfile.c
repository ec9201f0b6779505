/*
 * Fuzz target for the key file formats: the input is parsed from memory as a manufacturer key
 * file and as a public-key.json. A parsed private key must sign something its public key
 * verifies; a parsed public key must be a valid point; a failure must leave a message. A broken
 * invariant aborts (that is how libFuzzer sees a bug).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actr/crypto.h"

#define CHECK(cond)  \
    do {             \
        if (!(cond)) \
            abort(); \
    } while (0)

static void check_failure(int rc, const actr_error_t *err)
{
    CHECK(rc < 0 && err->code == rc);
    CHECK(err->message[0] != '\0' && memchr(err->message, '\0', sizeof err->message));
}

static void check_key_file(const char *data, size_t size)
{
    actr_signing_key_t *key = NULL;
    actr_error_t err;
    int rc = actr_keyfile_parse(data, size, "fuzz.json", &key, &err);
    if (rc != 0) {
        check_failure(rc, &err);
        CHECK(key == NULL);
        return;
    }
    uint8_t pub[32], sig[64];
    actr_signing_key_public(key, pub);
    CHECK(actr_signing_key_sign(key, data, size, sig) == 0);
    CHECK(actr_ed25519_verify(pub, 32, data, size, sig, 64) == 0);
    actr_signing_key_free(key);
}

static void check_pubkey_file(const char *data, size_t size)
{
    uint8_t pub[32];
    actr_error_t err;
    int rc = actr_pubkey_file_parse(data, size, NULL, pub, &err);
    if (rc != 0) {
        check_failure(rc, &err);
        return;
    }
    CHECK(actr_ed25519_pubkey_valid(pub, 32) == 0);
    uint8_t sig[64] = {0};
    CHECK(actr_ed25519_verify(pub, 32, data, size, sig, 64) == ACTR_ESIGNATURE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_key_file((const char *)data, size);
    check_pubkey_file((const char *)data, size);
    return 0;
}
