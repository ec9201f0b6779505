/* hex and base64: RFC 4648 section 10 vectors, all four variants, strict rejection rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "actr/error.h"
#include "base/base64.h"
#include "base/hex.h"

static void test_hex_round_trip(void **state)
{
    (void)state;
    const uint8_t bytes[] = {0x00, 0x01, 0xab, 0xff, 0x7f};
    char text[11];
    actr_hex_encode(bytes, sizeof bytes, text);
    assert_string_equal(text, "0001abff7f");

    uint8_t back[5];
    size_t n = 99;
    assert_int_equal(actr_hex_decode("0001ABff7F", 10, back, sizeof back, &n), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(back, bytes, 5);

    actr_hex_encode(bytes, 0, text);
    assert_string_equal(text, "");
    assert_int_equal(actr_hex_decode("", 0, back, 0, &n), 0);
    assert_int_equal(n, 0);
}

static void test_hex_rejects(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t n;
    assert_int_equal(actr_hex_decode("abc", 3, out, sizeof out, &n), ACTR_EPARSE);
    assert_int_equal(actr_hex_decode("zz", 2, out, sizeof out, &n), ACTR_EPARSE);
    assert_int_equal(actr_hex_decode("0g", 2, out, sizeof out, &n), ACTR_EPARSE);
    assert_int_equal(actr_hex_decode(" 0", 2, out, sizeof out, &n), ACTR_EPARSE);
    assert_int_equal(actr_hex_decode("0000000000", 10, out, sizeof out, &n), ACTR_ERANGE);
}

struct vector {
    const char *plain, *std, *std_nopad;
};

/* RFC 4648 section 10. */
static const struct vector rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static void check_round_trip(const char *plain, const char *expected, actr_b64_variant_t v)
{
    char text[64];
    size_t plen = strlen(plain);
    assert_int_equal(actr_base64_encoded_len(plen, v), strlen(expected));
    size_t written = actr_base64_encode((const uint8_t *)plain, plen, text, v);
    assert_int_equal(written, strlen(expected));
    assert_string_equal(text, expected);

    uint8_t back[64];
    size_t n = 99;
    assert_int_equal(actr_base64_decode(expected, strlen(expected), back, sizeof back, &n, v), 0);
    assert_int_equal(n, plen);
    assert_memory_equal(back, plain, plen);
    assert_true(actr_base64_decoded_max(strlen(expected)) >= plen);
}

static void test_base64_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        check_round_trip(rfc4648[i].plain, rfc4648[i].std, ACTR_B64_STD);
        check_round_trip(rfc4648[i].plain, rfc4648[i].std_nopad, ACTR_B64_STD_NOPAD);
        check_round_trip(rfc4648[i].plain, rfc4648[i].std, ACTR_B64_URL);
        check_round_trip(rfc4648[i].plain, rfc4648[i].std_nopad, ACTR_B64_URL_NOPAD);
    }
}

static void test_base64_alphabets_differ(void **state)
{
    (void)state;
    const uint8_t bytes[] = {0xfb, 0xff, 0xbf};
    char text[8];
    actr_base64_encode(bytes, 3, text, ACTR_B64_STD);
    assert_string_equal(text, "+/+/");
    actr_base64_encode(bytes, 3, text, ACTR_B64_URL_NOPAD);
    assert_string_equal(text, "-_-_");

    uint8_t out[8];
    size_t n;
    assert_int_equal(actr_base64_decode("-_-_", 4, out, sizeof out, &n, ACTR_B64_STD), ACTR_EPARSE);
    assert_int_equal(actr_base64_decode("+/+/", 4, out, sizeof out, &n, ACTR_B64_URL), ACTR_EPARSE);
}

static void test_base64_strict_rejection(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    static const char *const bad_padded[] = {
        "Zg",       /* missing padding */
        "Zg=",      /* short padding */
        "Zg===",    /* too much padding */
        "Zm9v=",    /* padding after a full group */
        "Z===",     /* one data character cannot encode a byte */
        "====",     /* nothing but padding */
        "Zh==",     /* non-zero trailing bits: a second spelling of "f" */
        "Zm9=",     /* non-zero trailing bits */
        "Zm 9v",    /* whitespace */
        "Zm9v\n",   /* newline */
        "Z=g=",     /* padding in the middle */
        "Zm9v!A==", /* outside the alphabet */
    };
    for (size_t i = 0; i < sizeof bad_padded / sizeof bad_padded[0]; i++) {
        int rc = actr_base64_decode(bad_padded[i], strlen(bad_padded[i]), out, sizeof out, &n,
                                    ACTR_B64_STD);
        if (rc != ACTR_EPARSE)
            fail_msg("accepted \"%s\" (rc %d)", bad_padded[i], rc);
    }
    assert_int_equal(actr_base64_decode("Zg==", 4, out, sizeof out, &n, ACTR_B64_STD_NOPAD),
                     ACTR_EPARSE);
    assert_int_equal(actr_base64_decode("Z", 1, out, sizeof out, &n, ACTR_B64_STD_NOPAD),
                     ACTR_EPARSE);
    assert_int_equal(actr_base64_decode("Zm9vYmFy", 8, out, 5, &n, ACTR_B64_STD), ACTR_ERANGE);
}

static void test_base64_all_byte_values(void **state)
{
    (void)state;
    uint8_t bytes[256], back[256];
    char text[400];
    for (int i = 0; i < 256; i++)
        bytes[i] = (uint8_t)i;
    for (int v = ACTR_B64_STD; v <= ACTR_B64_URL_NOPAD; v++) {
        for (size_t len = 0; len <= 256; len += 37) {
            size_t n;
            size_t w = actr_base64_encode(bytes, len, text, (actr_b64_variant_t)v);
            assert_int_equal(actr_base64_decode(text, w, back, sizeof back, &n,
                                                (actr_b64_variant_t)v), 0);
            assert_int_equal(n, len);
            assert_memory_equal(back, bytes, len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_hex_rejects),
        cmocka_unit_test(test_base64_rfc4648_vectors),
        cmocka_unit_test(test_base64_alphabets_differ),
        cmocka_unit_test(test_base64_strict_rejection),
        cmocka_unit_test(test_base64_all_byte_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
