/* The crypto provider vtable: the default (OpenSSL) provider and a custom one plugged in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "actr/crypto.h"
#include "unhex.h"

/* RFC 8032 TEST 2. */
#define SEED2 "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
#define PUB2 "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
#define SIG2                                                           \
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da" \
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"

static void test_default_provider_matches_free_functions(void **state)
{
    (void)state;
    const actr_crypto_provider_t *p = actr_crypto_default_provider();
    assert_non_null(p);
    assert_string_equal(p->name, "openssl");

    uint8_t a[32], b[32];
    assert_int_equal(actr_crypto_sha256(p, "hello", 5, a), 0);
    assert_int_equal(actr_sha256("hello", 5, b), 0);
    assert_memory_equal(a, b, 32);

    uint8_t seed[32], pub[32], want_sig[64], sig[64], got_pub[32];
    test_unhex(SEED2, seed, 32);
    test_unhex(PUB2, pub, 32);
    test_unhex(SIG2, want_sig, 64);
    const uint8_t msg[] = {0x72};
    assert_int_equal(actr_crypto_ed25519_verify(p, pub, 32, msg, 1, want_sig, 64), 0);
    want_sig[0] ^= 1;
    assert_int_equal(actr_crypto_ed25519_verify(p, pub, 32, msg, 1, want_sig, 64), ACTR_ESIGNATURE);
    assert_int_equal(actr_crypto_ed25519_verify(p, pub, 31, msg, 1, want_sig, 64), ACTR_EINVAL);
    want_sig[0] ^= 1;

    /* The default provider's key handle is an actr_signing_key_t. */
    actr_signing_key_t *key = NULL;
    assert_int_equal(actr_signing_key_from_seed(seed, 32, &key), 0);
    assert_int_equal(actr_crypto_sign(p, key, msg, 1, sig), 0);
    assert_memory_equal(sig, want_sig, 64);
    assert_int_equal(actr_crypto_public_key(p, key, got_pub), 0);
    assert_memory_equal(got_pub, pub, 32);
    assert_int_equal(actr_crypto_public_key(p, NULL, got_pub), ACTR_EINVAL);

    uint8_t r[16] = {0}, zero[16] = {0};
    assert_int_equal(actr_crypto_random(p, r, sizeof r), 0);
    assert_memory_not_equal(r, zero, sizeof r);

    /* A NULL provider means the default one. */
    assert_int_equal(actr_crypto_sign(NULL, key, msg, 1, sig), 0);
    assert_memory_equal(sig, want_sig, 64);
    assert_int_equal(actr_crypto_sha256(NULL, "hello", 5, a), 0);
    assert_memory_equal(a, b, 32);
    actr_signing_key_free(key);
}

/*
 * A stand-in for an HSM: keys are slot numbers, the key material stays inside the "device"
 * (here a signing key it owns), and every call is counted to show it went through self.
 */
typedef struct fake_hsm {
    actr_signing_key_t *slots[2];
    int sign_calls, verify_calls, hash_calls;
} fake_hsm_t;

static int hsm_sign(void *self, void *key, const void *msg, size_t len, uint8_t sig[64])
{
    fake_hsm_t *hsm = self;
    const int *slot = key;
    hsm->sign_calls++;
    if (!slot || *slot < 0 || *slot > 1 || !hsm->slots[*slot])
        return ACTR_ENOTFOUND;
    return actr_signing_key_sign(hsm->slots[*slot], msg, len, sig);
}

static int hsm_public_key(void *self, void *key, uint8_t pub[32])
{
    fake_hsm_t *hsm = self;
    const int *slot = key;
    if (!slot || *slot < 0 || *slot > 1 || !hsm->slots[*slot])
        return ACTR_ENOTFOUND;
    actr_signing_key_public(hsm->slots[*slot], pub);
    return 0;
}

static int hsm_verify(void *self, const uint8_t *pub, size_t pub_len, const void *msg,
                      size_t msg_len, const uint8_t *sig, size_t sig_len)
{
    ((fake_hsm_t *)self)->verify_calls++;
    return actr_ed25519_verify(pub, pub_len, msg, msg_len, sig, sig_len);
}

static int hsm_sha256(void *self, const void *data, size_t len, uint8_t out[32])
{
    ((fake_hsm_t *)self)->hash_calls++;
    return actr_sha256(data, len, out);
}

static void test_custom_provider_plugs_in(void **state)
{
    (void)state;
    fake_hsm_t hsm = {0};
    uint8_t seed[32];
    test_unhex(SEED2, seed, 32);
    assert_int_equal(actr_signing_key_from_seed(seed, 32, &hsm.slots[1]), 0);
    const actr_crypto_provider_t provider = {
        .self = &hsm,
        .name = "fake-hsm",
        .ed25519_verify = hsm_verify,
        .sha256 = hsm_sha256,
        .sign = hsm_sign,
        .public_key = hsm_public_key,
        /* no random_bytes: the wrapper reports it as unsupported */
    };

    int slot = 1, empty_slot = 0;
    uint8_t pub[32], sig[64], want_pub[32], want_sig[64], digest[32];
    test_unhex(PUB2, want_pub, 32);
    test_unhex(SIG2, want_sig, 64);
    const uint8_t msg[] = {0x72};
    assert_int_equal(actr_crypto_public_key(&provider, &slot, pub), 0);
    assert_memory_equal(pub, want_pub, 32);
    assert_int_equal(actr_crypto_sign(&provider, &slot, msg, 1, sig), 0);
    assert_memory_equal(sig, want_sig, 64);
    assert_int_equal(actr_crypto_sign(&provider, &empty_slot, msg, 1, sig), ACTR_ENOTFOUND);
    assert_int_equal(hsm.sign_calls, 2);

    /* A signature made by the custom provider verifies with the default one, and back. */
    assert_int_equal(actr_crypto_ed25519_verify(NULL, pub, 32, msg, 1, sig, 64), 0);
    assert_int_equal(actr_crypto_ed25519_verify(&provider, pub, 32, msg, 1, sig, 64), 0);
    assert_int_equal(hsm.verify_calls, 1);
    assert_int_equal(actr_crypto_sha256(&provider, "abc", 3, digest), 0);
    assert_int_equal(hsm.hash_calls, 1);

    uint8_t r[8];
    assert_int_equal(actr_crypto_random(&provider, r, sizeof r), ACTR_EUNSUPPORTED);
    const actr_crypto_provider_t hash_only = {.sha256 = hsm_sha256, .self = &hsm};
    assert_int_equal(actr_crypto_sign(&hash_only, &slot, msg, 1, sig), ACTR_EUNSUPPORTED);
    assert_int_equal(actr_crypto_public_key(&hash_only, &slot, pub), ACTR_EUNSUPPORTED);
    assert_int_equal(actr_crypto_ed25519_verify(&hash_only, pub, 32, msg, 1, sig, 64),
                     ACTR_EUNSUPPORTED);
    actr_signing_key_free(hsm.slots[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_provider_matches_free_functions),
        cmocka_unit_test(test_custom_provider_plugs_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
