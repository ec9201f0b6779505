/* Form-urlencoded encode/decode (WHATWG byte rules) and the query-string iterator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "base/percent.h"

static void check_encode(const char *plain, size_t len, const char *expect)
{
    char out[256];
    size_t n = 12345;
    assert_int_equal(actr_form_encode(plain, len, out, sizeof out, &n), 0);
    assert_string_equal(out, expect);
    assert_int_equal(n, strlen(expect));
    char *heap;
    assert_int_equal(actr_form_encode_alloc(plain, len, &heap, &n), 0);
    assert_string_equal(heap, expect);
    free(heap);
}

static void test_encode_examples(void **state)
{
    (void)state;
    check_encode("", 0, "");
    check_encode(NULL, 0, "");
    check_encode("abcXYZ019", 9, "abcXYZ019");
    check_encode("*-._", 4, "*-._");
    check_encode("a b", 3, "a+b");
    check_encode("a+b", 3, "a%2Bb");
    check_encode("~!'()", 5, "%7E%21%27%28%29"); /* not kept by the form encoder */
    check_encode("k=v&x=/?#", 9, "k%3Dv%26x%3D%2F%3F%23");
    check_encode("\xc3\xa9", 2, "%C3%A9");
    check_encode("\0\xff", 2, "%00%FF");
    check_encode("100%", 4, "100%25");
}

/* Every byte value against an independent model of the rule. */
static void test_encode_every_byte(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        uint8_t in = (uint8_t)b;
        char out[4];
        size_t n;
        assert_int_equal(actr_form_encode(&in, 1, out, sizeof out, &n), 0);
        char expect[4];
        if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
            (b != 0 && strchr("*-._", b)))
            snprintf(expect, sizeof expect, "%c", b);
        else if (b == ' ')
            snprintf(expect, sizeof expect, "+");
        else
            snprintf(expect, sizeof expect, "%%%02X", (unsigned)b);
        assert_string_equal(out, expect);
        uint8_t back[4];
        assert_int_equal(actr_form_decode(out, n, back, sizeof back, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(back[0], b);
    }
}

static void test_encode_buffer_sizes(void **state)
{
    (void)state;
    size_t need = 0;
    assert_int_equal(actr_form_encode("a b/", 4, NULL, 0, &need), ACTR_ERANGE);
    assert_int_equal(need, 6); /* "a+b%2F" */
    char out[7];
    memset(out, 'z', sizeof out);
    assert_int_equal(actr_form_encode("a b/", 4, out, 6, NULL), ACTR_ERANGE); /* no room for NUL */
    assert_int_equal(out[0], 'z');
    assert_int_equal(actr_form_encode("a b/", 4, out, 7, NULL), 0);
    assert_string_equal(out, "a+b%2F");
    assert_int_equal(actr_form_encode(NULL, 3, out, 7, NULL), ACTR_EINVAL);
    char *p = (char *)out;
    assert_int_equal(actr_form_encode_alloc(NULL, 1, &p, NULL), ACTR_EINVAL);
    assert_int_equal(actr_form_encode_alloc("x", 1, NULL, NULL), ACTR_EINVAL);
}

static void check_decode(const char *enc, const char *expect, size_t expect_len)
{
    uint8_t out[256];
    size_t n = 999;
    assert_int_equal(actr_form_decode(enc, strlen(enc), out, sizeof out, &n), 0);
    assert_int_equal(n, expect_len);
    assert_memory_equal(out, expect, expect_len);
    char *heap;
    assert_int_equal(actr_form_decode_alloc(enc, strlen(enc), &heap, &n), 0);
    assert_int_equal(n, expect_len);
    assert_memory_equal(heap, expect, expect_len);
    assert_int_equal(heap[n], '\0');
    free(heap);
}

static void test_decode_examples(void **state)
{
    (void)state;
    check_decode("", "", 0);
    check_decode("plain", "plain", 5);
    check_decode("a+b++", "a b  ", 5);
    check_decode("%41%4a%4A%6b", "AJJk", 4); /* hex in either case */
    check_decode("%2B%20", "+ ", 2);
    check_decode("%00x", "\0x", 2);
    check_decode("%C3%A9t%C3%A9", "\xc3\xa9t\xc3\xa9", 5);
    check_decode("~!*'()", "~!*'()", 6); /* lenient: unescaped reserved bytes pass */
}

static void test_decode_rejects_bad_escapes(void **state)
{
    (void)state;
    static const char *const bad[] = {"%", "%4", "abc%", "abc%a", "%zz", "%4g", "%g4",
                                      "%%41", "% 41", "%-1", "ok%2", "%+1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        size_t n = 77;
        assert_int_equal(actr_form_decode(bad[i], strlen(bad[i]), out, sizeof out, &n),
                         ACTR_EPARSE);
        assert_int_equal(n, 77); /* untouched on failure */
        char *heap = (char *)out;
        assert_int_equal(actr_form_decode_alloc(bad[i], strlen(bad[i]), &heap, NULL),
                         ACTR_EPARSE);
        assert_null(heap);
    }
    /* The length is explicit: an escape cut off by len is truncated even if text follows. */
    uint8_t out[4];
    assert_int_equal(actr_form_decode("%41", 2, out, sizeof out, NULL), ACTR_EPARSE);
    assert_int_equal(actr_form_decode(NULL, 1, out, sizeof out, NULL), ACTR_EINVAL);
}

static void test_decode_sizes_and_in_place(void **state)
{
    (void)state;
    uint8_t out[3];
    size_t n;
    assert_int_equal(actr_form_decode("%41%42%43", 9, out, 3, &n), 0);
    assert_memory_equal(out, "ABC", 3);
    assert_int_equal(actr_form_decode("%41%42%43%44", 12, out, 3, &n), ACTR_ERANGE);
    assert_int_equal(actr_form_decode("", 0, NULL, 0, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(actr_form_decode("x", 1, NULL, 0, &n), ACTR_ERANGE);

    char text[] = "%41+b%2Fc%3d";
    assert_int_equal(actr_form_decode(text, strlen(text), (uint8_t *)text, strlen(text), &n), 0);
    assert_int_equal(n, 6);
    assert_memory_equal(text, "A b/c=", 6);
}

static void test_round_trip_random(void **state)
{
    (void)state;
    uint32_t x = 12345;
    for (int round = 0; round < 500; round++) {
        uint8_t plain[200];
        size_t len = (size_t)round % sizeof plain;
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            plain[i] = (uint8_t)(x >> 16);
        }
        char *enc;
        size_t enc_len;
        assert_int_equal(actr_form_encode_alloc(plain, len, &enc, &enc_len), 0);
        assert_true(enc_len <= 3 * len);
        assert_int_equal(strlen(enc), enc_len);
        assert_true(actr_form_equal(enc, enc_len, (const char *)plain, len));
        char *dec;
        size_t dec_len;
        assert_int_equal(actr_form_decode_alloc(enc, enc_len, &dec, &dec_len), 0);
        assert_int_equal(dec_len, len);
        if (len > 0)
            assert_memory_equal(dec, plain, len);
        free(enc);
        free(dec);
    }
}

static void test_form_equal(void **state)
{
    (void)state;
    assert_true(actr_form_equal("actor%5Fid", 10, "actor_id", 8));
    assert_true(actr_form_equal("a+b", 3, "a b", 3));
    assert_true(actr_form_equal("", 0, "", 0));
    assert_false(actr_form_equal("actor_i", 7, "actor_id", 8)); /* prefix */
    assert_false(actr_form_equal("actor_idx", 9, "actor_id", 8));
    assert_false(actr_form_equal("a%2", 3, "a", 1)); /* malformed never matches */
    assert_false(actr_form_equal("a+b", 3, "a+b", 3));
}

struct expect_pair {
    const char *key;
    const char *value; /* NULL: no '=' */
};

static void check_pairs(const char *query, const struct expect_pair *expect, size_t n)
{
    actr_query_iter_t it;
    actr_query_pair_t pair;
    actr_query_init(&it, query, query ? strlen(query) : 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(actr_query_next(&it, &pair), 1);
        assert_int_equal(pair.key_len, strlen(expect[i].key));
        assert_memory_equal(pair.key, expect[i].key, pair.key_len);
        if (expect[i].value) {
            assert_true(pair.has_value);
            assert_int_equal(pair.value_len, strlen(expect[i].value));
            assert_memory_equal(pair.value, expect[i].value, pair.value_len);
        } else {
            assert_false(pair.has_value);
            assert_int_equal(pair.value_len, 0);
        }
    }
    assert_int_equal(actr_query_next(&it, &pair), 0);
    assert_int_equal(actr_query_next(&it, &pair), 0); /* stays at the end */
}

static void test_query_iteration(void **state)
{
    (void)state;
    const struct expect_pair p1[] = {{"actor_id", "a%2Fb"}, {"token", "x+y"}};
    check_pairs("?actor_id=a%2Fb&token=x+y", p1, 2);
    check_pairs("actor_id=a%2Fb&token=x+y", p1, 2); /* '?' is optional */
    check_pairs("&&actor_id=a%2Fb&&token=x+y&", p1, 2);
    check_pairs("?actor_id=a%2Fb&token=x+y#token=evil", p1, 2);
    const struct expect_pair p2[] = {{"flag", NULL}, {"", "v"}, {"a", "b=c"}, {"e", ""}};
    check_pairs("flag&=v&a=b=c&e=", p2, 4);
    check_pairs("", NULL, 0);
    check_pairs("?", NULL, 0);
    check_pairs("&&&", NULL, 0);
    check_pairs("#a=b", NULL, 0);
    check_pairs(NULL, NULL, 0);
    const struct expect_pair p3[] = {{"?a", "1"}};
    check_pairs("??a=1", p3, 1); /* only one '?' is a prefix */
}

static void test_query_get(void **state)
{
    (void)state;
    const char *q = "?actor_id=1%3Aacme%3Aecho&token=abc%2Bdef%3D%3D&actor%5Fid=second&x&sp=a+b";
    size_t len = strlen(q);
    char *v;
    size_t n;
    assert_int_equal(actr_query_get(q, len, "actor_id", &v, &n), 0);
    assert_string_equal(v, "1:acme:echo"); /* the first match wins */
    assert_int_equal(n, 11);
    free(v);
    assert_int_equal(actr_query_get(q, len, "token", &v, NULL), 0);
    assert_string_equal(v, "abc+def==");
    free(v);
    assert_int_equal(actr_query_get(q, len, "x", &v, &n), 0);
    assert_string_equal(v, "");
    assert_int_equal(n, 0);
    free(v);
    assert_int_equal(actr_query_get(q, len, "sp", &v, NULL), 0);
    assert_string_equal(v, "a b");
    free(v);
    assert_int_equal(actr_query_get(q, len, "missing", &v, NULL), ACTR_ENOTFOUND);
    assert_null(v);
    assert_int_equal(actr_query_get(q, len, "actor", &v, NULL), ACTR_ENOTFOUND);
    assert_int_equal(actr_query_get("t=%G1", 5, "t", &v, NULL), ACTR_EPARSE);
    assert_null(v);
    assert_int_equal(actr_query_get(NULL, 0, "t", &v, NULL), ACTR_ENOTFOUND);
    assert_int_equal(actr_query_get(q, len, NULL, &v, NULL), ACTR_EINVAL);
    assert_int_equal(actr_query_get(q, len, "t", NULL, NULL), ACTR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_examples),
        cmocka_unit_test(test_encode_every_byte),
        cmocka_unit_test(test_encode_buffer_sizes),
        cmocka_unit_test(test_decode_examples),
        cmocka_unit_test(test_decode_rejects_bad_escapes),
        cmocka_unit_test(test_decode_sizes_and_in_place),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_form_equal),
        cmocka_unit_test(test_query_iteration),
        cmocka_unit_test(test_query_get),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
