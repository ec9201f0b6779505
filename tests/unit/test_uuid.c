/* UUID v4 generation, text form, strict parsing; the getrandom(2) helper underneath. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "base/random.h"
#include "base/uuid.h"

static void test_v4_bits_and_format(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        actr_uuid_t u;
        assert_int_equal(actr_uuid_v4(&u), 0);
        assert_int_equal(actr_uuid_version(&u), 4);
        assert_int_equal(u.bytes[8] & 0xc0, 0x80); /* RFC 9562 variant */
        char text[ACTR_UUID_STR_LEN + 1];
        actr_uuid_format(&u, text);
        assert_int_equal(strlen(text), 36);
        assert_int_equal(text[14], '4');
        assert_non_null(strchr("89ab", text[19]));
        for (int k = 0; k < 36; k++) {
            if (k == 8 || k == 13 || k == 18 || k == 23)
                assert_int_equal(text[k], '-');
            else
                assert_non_null(strchr("0123456789abcdef", text[k]));
        }
        actr_uuid_t back;
        assert_int_equal(actr_uuid_parse(text, 36, &back), 0);
        assert_true(actr_uuid_equal(&u, &back));
    }
    assert_int_equal(actr_uuid_v4(NULL), ACTR_EINVAL);
}

static int cmp_uuid(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(actr_uuid_t));
}

static void test_v4_unique(void **state)
{
    (void)state;
    enum { N = 4096 };
    actr_uuid_t *all = calloc(N, sizeof *all);
    assert_non_null(all);
    for (int i = 0; i < N; i++)
        assert_int_equal(actr_uuid_v4(&all[i]), 0);
    qsort(all, N, sizeof *all, cmp_uuid);
    for (int i = 1; i < N; i++)
        assert_false(actr_uuid_equal(&all[i - 1], &all[i]));
    free(all);
}

static void test_parse_known_value(void **state)
{
    (void)state;
    static const uint8_t expect[16] = {0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
                                       0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00};
    actr_uuid_t u;
    assert_int_equal(actr_uuid_parse("123e4567-e89b-12d3-a456-426614174000", 36, &u), 0);
    assert_memory_equal(u.bytes, expect, 16);
    assert_int_equal(actr_uuid_version(&u), 1);
    /* Upper case and mixed case parse to the same value; formatting is always lowercase. */
    actr_uuid_t up;
    assert_int_equal(actr_uuid_parse("123E4567-E89B-12d3-A456-426614174000", 36, &up), 0);
    assert_true(actr_uuid_equal(&u, &up));
    char text[ACTR_UUID_STR_LEN + 1];
    actr_uuid_format(&up, text);
    assert_string_equal(text, "123e4567-e89b-12d3-a456-426614174000");
    /* Length is explicit: trailing text after 36 characters is not read. */
    assert_int_equal(actr_uuid_parse("00000000-0000-0000-0000-000000000000trailing", 36, &u), 0);
    actr_uuid_format(&u, text);
    assert_string_equal(text, "00000000-0000-0000-0000-000000000000");
    assert_int_equal(actr_uuid_parse("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", 36, &u), 0);
    actr_uuid_format(&u, text);
    assert_string_equal(text, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

static void test_parse_rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "123e4567-e89b-12d3-a456-42661417400",   /* 35 */
        "123e4567-e89b-12d3-a456-4266141740000", /* 37 */
        "123e4567e89b-12d3-a456-4266141740000",  /* dash missing */
        "123e4567-e89b-12d3-a4564-26614174000",  /* dash moved */
        "123e456-7e89b-12d3-a456-426614174000",
        "123e4567-e89b-12d3-a456_426614174000",  /* wrong separator */
        "123e4567-e89b-12d3-a456-42661417400g",  /* not hex */
        "g23e4567-e89b-12d3-a456-426614174000",
        "123e4567-e89b-12d3-a456-4266141 4000",  /* space */
        "123e4567-e89b-12d3-a456-+26614174000",
        "{23e4567-e89b-12d3-a456-42661417400}",
        "123e4567--89b-12d3-a456-426614174000",
        "urn:uuid:123e4567-e89b-12d3-a456-4266",
        "123e4567-e89b-12d3-a456-426614174000 ",
    };
    actr_uuid_t u;
    memset(&u, 0xaa, sizeof u);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(actr_uuid_parse(bad[i], strlen(bad[i]), &u), ACTR_EPARSE);
    /* An embedded NUL is a malformed character, not an early end. */
    char with_nul[36];
    memcpy(with_nul, "123e4567-e89b-12d3-a456-426614174000", 36);
    with_nul[30] = '\0';
    assert_int_equal(actr_uuid_parse(with_nul, 36, &u), ACTR_EPARSE);
    for (size_t i = 0; i < sizeof u.bytes; i++)
        assert_int_equal(u.bytes[i], 0xaa); /* untouched on failure */
    assert_int_equal(actr_uuid_parse(NULL, 36, &u), ACTR_EINVAL);
    assert_int_equal(actr_uuid_parse("123e4567-e89b-12d3-a456-426614174000", 36, NULL),
                     ACTR_EINVAL);
}

static void test_os_random(void **state)
{
    (void)state;
    assert_int_equal(actr_os_random(NULL, 0), 0);
    /* Large requests exceed one getrandom() call's guaranteed size: the loop must fill all. */
    size_t len = 1 << 20;
    uint8_t *buf = calloc(1, len);
    assert_non_null(buf);
    assert_int_equal(actr_os_random(buf, len), 0);
    size_t zeros_in_tail = 0;
    for (size_t i = len - 4096; i < len; i++)
        zeros_in_tail += buf[i] == 0;
    assert_true(zeros_in_tail < 64); /* ~16 expected; all-zero would mean an unfilled tail */
    size_t ones = 0;
    for (size_t i = 0; i < len; i++)
        ones += (size_t)__builtin_popcount(buf[i]);
    /* 8 Mi bits, expect half set; 6 sigma is about 8.7k. */
    assert_true(ones > len * 4 - 20000 && ones < len * 4 + 20000);
    free(buf);
    assert_int_not_equal(actr_os_random_u64(), actr_os_random_u64());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_bits_and_format),
        cmocka_unit_test(test_v4_unique),
        cmocka_unit_test(test_parse_known_value),
        cmocka_unit_test(test_parse_rejects_malformed),
        cmocka_unit_test(test_os_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
