/* SHA-256 (FIPS 180 vectors, streaming), HMAC (RFC 4231, RFC 2202), randomness, ct compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "actr/crypto.h"
#include "base/base64.h"
#include "unhex.h"

static void assert_digest(const uint8_t *got, const char *want_hex)
{
    uint8_t want[64];
    size_t n = test_unhex(want_hex, want, sizeof want);
    assert_memory_equal(got, want, n);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    uint8_t d[32];
    assert_int_equal(actr_sha256(NULL, 0, d), 0);
    assert_digest(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(actr_sha256("abc", 3, d), 0);
    assert_digest(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* The vector platform.md §5.1 names for the CryptoProvider. */
    assert_int_equal(actr_sha256("hello", 5, d), 0);
    assert_digest(d, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_int_equal(actr_sha256(NULL, 1, d), ACTR_EINVAL);
}

static const char million_a[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

static void test_sha256_million_a(void **state)
{
    (void)state;
    enum { N = 1000000 };
    char *buf = malloc(N);
    assert_non_null(buf);
    memset(buf, 'a', N);
    uint8_t d[32];
    assert_int_equal(actr_sha256(buf, N, d), 0);
    assert_digest(d, million_a);
    free(buf);

    /* The same through the streaming API, 1000 bytes at a time. */
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    actr_sha256_ctx_t ctx;
    assert_int_equal(actr_sha256_init(&ctx), 0);
    for (int i = 0; i < N / (int)sizeof chunk; i++)
        assert_int_equal(actr_sha256_update(&ctx, chunk, sizeof chunk), 0);
    assert_int_equal(actr_sha256_final(&ctx, d), 0);
    assert_digest(d, million_a);
}

static void test_sha256_streaming_matches_one_shot(void **state)
{
    (void)state;
    uint8_t data[5000], one[32], streamed[32];
    assert_int_equal(actr_random_bytes(data, sizeof data), 0);
    assert_int_equal(actr_sha256(data, sizeof data, one), 0);
    /* Chunk sizes 0, 1, 2, ... cross every block boundary in a different place. */
    actr_sha256_ctx_t ctx;
    assert_int_equal(actr_sha256_init(&ctx), 0);
    size_t off = 0;
    for (size_t step = 0; off < sizeof data; step++) {
        size_t n = step < sizeof data - off ? step : sizeof data - off;
        assert_int_equal(actr_sha256_update(&ctx, data + off, n), 0);
        off += n;
    }
    assert_int_equal(actr_sha256_final(&ctx, streamed), 0);
    assert_memory_equal(one, streamed, 32);
}

static void test_sha256_context_lifecycle(void **state)
{
    (void)state;
    actr_sha256_ctx_t ctx = {0};
    uint8_t d[32];
    actr_sha256_discard(&ctx); /* a zeroed context may always be discarded */
    assert_int_equal(actr_sha256_update(&ctx, "x", 1), ACTR_EINVAL);
    assert_int_equal(actr_sha256_init(&ctx), 0);
    assert_int_equal(actr_sha256_update(&ctx, NULL, 0), 0);
    assert_int_equal(actr_sha256_final(&ctx, d), 0);
    assert_digest(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* final released the context: further use is refused, discard is harmless. */
    assert_null(ctx.impl);
    assert_int_equal(actr_sha256_update(&ctx, "x", 1), ACTR_EINVAL);
    assert_int_equal(actr_sha256_final(&ctx, d), ACTR_EINVAL);
    actr_sha256_discard(&ctx);
    /* Abandoning a started hash must not leak (the ASan build checks). */
    assert_int_equal(actr_sha256_init(&ctx), 0);
    assert_int_equal(actr_sha256_update(&ctx, "abc", 3), 0);
    actr_sha256_discard(&ctx);
    assert_null(ctx.impl);
}

typedef struct hmac_case {
    size_t key_len;
    uint8_t key_byte; /* 0: the key is key_text, 1: the key is 0x01, 0x02, ... */
    const char *key_text;
    size_t data_len;
    uint8_t data_byte; /* 0: the data is data_text */
    const char *data_text;
    const char *sha1, *sha256; /* NULL where the RFC has no such case */
} hmac_case_t;

static void build(uint8_t *out, size_t len, uint8_t byte, const char *text)
{
    for (size_t i = 0; i < len; i++)
        out[i] = text ? (uint8_t)text[i] : byte == 1 ? (uint8_t)(i + 1) : byte;
}

/*
 * RFC 4231 test cases 1-7 (HMAC-SHA256; case 5 is truncated to 128 bits) and RFC 2202 test
 * cases 1-7 (HMAC-SHA1). Cases 1-5 share keys and data; 6 and 7 differ in key length.
 */
static const hmac_case_t hmac_cases[] = {
    {20, 0x0b, NULL, 8, 0, "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {4, 0, "Jefe", 28, 0, "what do ya want for nothing?",
     "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {20, 0xaa, NULL, 50, 0xdd, NULL, "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {25, 1, NULL, 50, 0xcd, NULL, "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {20, 0x0c, NULL, 20, 0, "Test With Truncation", "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
     "a3b6167473100ee06e0c796c2955552b"},
    {80, 0xaa, NULL, 54, 0, "Test Using Larger Than Block-Size Key - Hash Key First",
     "aa4ae5e15272d00e95705637ce8a3b55ed402112", NULL},
    {80, 0xaa, NULL, 73, 0,
     "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
     "e8e99d0f45237d786d6bbaa7965c7808bbff1a91", NULL},
    {131, 0xaa, NULL, 54, 0, "Test Using Larger Than Block-Size Key - Hash Key First", NULL,
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {131, 0xaa, NULL, 152, 0,
     "This is a test using a larger than block-size key and a larger than block-size data. The "
     "key needs to be hashed before being used by the HMAC algorithm.",
     NULL, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

static void test_hmac_rfc_vectors(void **state)
{
    (void)state;
    int sha1_cases = 0, sha256_cases = 0;
    for (size_t i = 0; i < sizeof hmac_cases / sizeof hmac_cases[0]; i++) {
        const hmac_case_t *c = &hmac_cases[i];
        uint8_t key[131], data[152], mac[32];
        if (c->data_text)
            assert_int_equal(c->data_len, strlen(c->data_text));
        build(key, c->key_len, c->key_byte, c->key_text);
        build(data, c->data_len, c->data_byte, c->data_text);
        if (c->sha1) {
            assert_int_equal(actr_hmac_sha1(key, c->key_len, data, c->data_len, mac), 0);
            assert_digest(mac, c->sha1);
            sha1_cases++;
        }
        if (c->sha256) {
            /* For the truncated case assert_digest compares only the 16 listed bytes. */
            assert_int_equal(actr_hmac_sha256(key, c->key_len, data, c->data_len, mac), 0);
            assert_digest(mac, c->sha256);
            sha256_cases++;
        }
    }
    assert_int_equal(sha1_cases, 7);
    assert_int_equal(sha256_cases, 7);
}

static void test_hmac_empty_inputs(void **state)
{
    (void)state;
    uint8_t mac[32];
    /* Known answer: HMAC-SHA256 with empty key and data (python hmac / openssl dgst). */
    assert_int_equal(actr_hmac_sha256(NULL, 0, NULL, 0, mac), 0);
    assert_digest(mac, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    assert_int_equal(actr_hmac_sha256(NULL, 1, "x", 1, mac), ACTR_EINVAL);
    assert_int_equal(actr_hmac_sha1("k", 1, NULL, 1, mac), ACTR_EINVAL);
}

/*
 * TURN password (protocol.md §4.2): base64(HMAC-SHA1(turn_secret, username)). The expected
 * value was computed with the openssl CLI when this test was written:
 *   printf '%s' '1700000000:1a2b3c@101/acme:echo:1.0.0' |
 *     openssl dgst -sha1 -hmac 'actrix-turn-secret-change-in-production' -binary | base64
 */
static void test_turn_password_matches_openssl_cli(void **state)
{
    (void)state;
    static const char secret[] = "actrix-turn-secret-change-in-production";
    static const char username[] = "1700000000:1a2b3c@101/acme:echo:1.0.0";
    uint8_t mac[ACTR_SHA1_LEN];
    assert_int_equal(actr_hmac_sha1(secret, strlen(secret), username, strlen(username), mac), 0);
    char b64[32];
    actr_base64_encode(mac, sizeof mac, b64, ACTR_B64_STD);
    assert_string_equal(b64, "I6VUSbWYp2LmrQHeTlGD/L/r26s=");
}

static void test_random_bytes(void **state)
{
    (void)state;
    uint8_t a[64] = {0}, b[64] = {0}, zero[64] = {0};
    assert_int_equal(actr_random_bytes(a, sizeof a), 0);
    assert_int_equal(actr_random_bytes(b, sizeof b), 0);
    /* 2^-512 chance of a false failure. */
    assert_memory_not_equal(a, zero, sizeof a);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(actr_random_bytes(NULL, 0), 0);
    assert_int_equal(actr_random_bytes(NULL, 1), ACTR_EINVAL);
}

static void test_ct_equal(void **state)
{
    (void)state;
    assert_true(actr_ct_equal("token-a", "token-a", 7));
    assert_false(actr_ct_equal("token-a", "token-b", 7));
    assert_false(actr_ct_equal("Xoken-a", "token-a", 7));
    assert_true(actr_ct_equal("a", "b", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_sha256_million_a),
        cmocka_unit_test(test_sha256_streaming_matches_one_shot),
        cmocka_unit_test(test_sha256_context_lifecycle),
        cmocka_unit_test(test_hmac_rfc_vectors),
        cmocka_unit_test(test_hmac_empty_inputs),
        cmocka_unit_test(test_turn_password_matches_openssl_cli),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_ct_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
