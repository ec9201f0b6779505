/* Clocks, deadlines and RFC 3339 format/parse (checked against gmtime_r and fixed vectors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "actr/error.h"
#include "base/clock.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void test_monotonic(void **state)
{
    (void)state;
    uint64_t prev = actr_clock_mono_ns();
    for (int i = 0; i < 10000; i++) {
        uint64_t t = actr_clock_mono_ns();
        assert_true(t >= prev);
        prev = t;
    }
    uint64_t a = actr_clock_mono_ns();
    uint64_t a_ms = actr_clock_mono_ms();
    sleep_ms(20);
    uint64_t b = actr_clock_mono_ns();
    assert_true(b - a >= 20000000ULL);
    assert_true(b - a < 5000000000ULL);
    assert_true(a_ms >= a / 1000000ULL && a_ms <= b / 1000000ULL);
}

static void test_wall(void **state)
{
    (void)state;
    int64_t s = actr_clock_wall_s();
    int64_t ms = actr_clock_wall_ms();
    int64_t ref = (int64_t)time(NULL);
    assert_true(s >= ref - 2 && s <= ref + 2);
    assert_true(ms / 1000 >= s - 1 && ms / 1000 <= s + 2);
    assert_true(s > 1700000000); /* after 2023: the clock is really Unix time */
}

static void test_deadline(void **state)
{
    (void)state;
    struct timespec d;
    struct timespec before;
    clock_gettime(CLOCK_MONOTONIC, &before);
    actr_clock_mono_deadline(1500000000ULL, &d);
    assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
    int64_t diff = (int64_t)(d.tv_sec - before.tv_sec) * 1000000000LL + (d.tv_nsec - before.tv_nsec);
    assert_true(diff >= 1500000000LL && diff < 1600000000LL);
    /* Nanosecond carry: the sum of two sub-second parts never leaves tv_nsec >= 1e9. */
    for (int i = 0; i < 1000; i++) {
        actr_clock_mono_deadline(999999999ULL, &d);
        assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
    }
    actr_clock_mono_deadline(0, &d);
    assert_true(d.tv_sec >= before.tv_sec);
}

static void check_format(int64_t t, const char *expect)
{
    char out[ACTR_RFC3339_LEN + 1];
    assert_int_equal(actr_rfc3339_format(t, out), 0);
    assert_string_equal(out, expect);
    int64_t back;
    uint32_t ns = 7;
    assert_int_equal(actr_rfc3339_parse(out, strlen(out), &back, &ns), 0);
    assert_int_equal(back, t);
    assert_int_equal(ns, 0);
}

static void test_format_vectors(void **state)
{
    (void)state;
    check_format(0, "1970-01-01T00:00:00Z");
    check_format(1795511280, "2026-11-24T09:08:00Z");
    check_format(1709251199, "2024-02-29T23:59:59Z");
    check_format(-1, "1969-12-31T23:59:59Z");
    check_format(951782400, "2000-02-29T00:00:00Z");
    check_format(ACTR_RFC3339_MIN_S, "0000-01-01T00:00:00Z");
    check_format(ACTR_RFC3339_MAX_S, "9999-12-31T23:59:59Z");
    char out[ACTR_RFC3339_LEN + 1];
    assert_int_equal(actr_rfc3339_format(ACTR_RFC3339_MIN_S - 1, out), ACTR_ERANGE);
    assert_string_equal(out, "");
    assert_int_equal(actr_rfc3339_format(ACTR_RFC3339_MAX_S + 1, out), ACTR_ERANGE);
    assert_int_equal(actr_rfc3339_format(INT64_MIN, out), ACTR_ERANGE);
    assert_int_equal(actr_rfc3339_format(INT64_MAX, out), ACTR_ERANGE);
}

static void test_format_ms(void **state)
{
    (void)state;
    char out[ACTR_RFC3339_MS_LEN + 1];
    assert_int_equal(actr_rfc3339_format_ms(1795511280123LL, out), 0);
    assert_string_equal(out, "2026-11-24T09:08:00.123Z");
    assert_int_equal(actr_rfc3339_format_ms(-1, out), 0);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    assert_int_equal(actr_rfc3339_format_ms(1005, out), 0);
    assert_string_equal(out, "1970-01-01T00:00:01.005Z");
    assert_int_equal(actr_rfc3339_format_ms(ACTR_RFC3339_MAX_S * 1000 + 999, out), 0);
    assert_string_equal(out, "9999-12-31T23:59:59.999Z");
    assert_int_equal(actr_rfc3339_format_ms((ACTR_RFC3339_MAX_S + 1) * 1000, out), ACTR_ERANGE);
    assert_int_equal(actr_rfc3339_format_ms(INT64_MIN, out), ACTR_ERANGE);
    int64_t s;
    uint32_t ns;
    assert_int_equal(actr_rfc3339_parse("1969-12-31T23:59:59.999Z", 24, &s, &ns), 0);
    assert_int_equal(s, -1);
    assert_int_equal(ns, 999000000);
}

/* The calendar arithmetic against the C library over ~2,000 years in irregular steps. */
static void test_format_matches_gmtime(void **state)
{
    (void)state;
    for (int64_t t = -30000000000LL; t < 40000000000LL; t += 7777777LL + (t & 0xffff)) {
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        char expect[64];
        strftime(expect, sizeof expect, "%Y-%m-%dT%H:%M:%SZ", &tm);
        check_format(t, expect);
    }
}

static int64_t parse_ok(const char *text, uint32_t *ns)
{
    int64_t s = 0;
    assert_int_equal(actr_rfc3339_parse(text, strlen(text), &s, ns), 0);
    return s;
}

static void test_parse_variants(void **state)
{
    (void)state;
    uint32_t ns = 0;
    assert_int_equal(parse_ok("2026-11-24T09:08:00Z", NULL), 1795511280);
    assert_int_equal(parse_ok("2026-11-24t09:08:00z", NULL), 1795511280);
    assert_int_equal(parse_ok("2026-11-24 09:08:00Z", NULL), 1795511280);
    assert_int_equal(parse_ok("2026-11-24T10:08:00+01:00", NULL), 1795511280);
    assert_int_equal(parse_ok("2026-11-24T09:08:00+00:00", NULL), 1795511280);
    assert_int_equal(parse_ok("2026-11-24T09:08:00-00:00", NULL), 1795511280);
    assert_int_equal(parse_ok("2026-11-24T04:38:00+00:00", NULL), 1795495080);
    assert_int_equal(parse_ok("2026-11-24T04:38:00-04:30", NULL), 1795511280);
    assert_int_equal(parse_ok("2026-11-25T08:07:00+22:59", NULL), 1795511280);
    assert_int_equal(parse_ok("2026-11-24T09:08:00.5Z", &ns), 1795511280);
    assert_int_equal(ns, 500000000);
    assert_int_equal(parse_ok("2026-11-24T09:08:00.000000001Z", &ns), 1795511280);
    assert_int_equal(ns, 1);
    assert_int_equal(parse_ok("2026-11-24T09:08:00.123456789987654321Z", &ns), 1795511280);
    assert_int_equal(ns, 123456789); /* extra digits are truncated, not rounded */
    assert_int_equal(parse_ok("2016-12-31T23:59:60Z", &ns), 1483228799); /* leap second */
    assert_int_equal(parse_ok("0000-01-01T00:00:00Z", NULL), ACTR_RFC3339_MIN_S);
    assert_int_equal(parse_ok("9999-12-31T23:59:59Z", NULL), ACTR_RFC3339_MAX_S);
    assert_int_equal(parse_ok("9999-12-31T23:59:59-23:59", NULL), ACTR_RFC3339_MAX_S + 86340);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026-11-24",
        "2026-11-24T09:08:00",       /* offset is required */
        "2026-11-24T09:08Z",
        "2026-11-24T09:08:00ZZ",
        "2026-11-24T09:08:00Z ",
        " 2026-11-24T09:08:00Z",
        "2026-11-24X09:08:00Z",
        "2026-1-24T09:08:00Z",
        "26-11-24T09:08:00Z",
        "+2026-11-24T09:08:00Z",
        "2026-13-24T09:08:00Z",
        "2026-00-24T09:08:00Z",
        "2026-11-00T09:08:00Z",
        "2026-11-31T09:08:00Z",      /* November has 30 days */
        "2026-02-29T09:08:00Z",      /* not a leap year */
        "1900-02-29T09:08:00Z",      /* century, not leap */
        "2026-11-24T24:00:00Z",
        "2026-11-24T09:60:00Z",
        "2026-11-24T09:08:61Z",
        "2026-11-24T09:08:00.Z",
        "2026-11-24T09:08:00,5Z",
        "2026-11-24T09:08:00+0100",
        "2026-11-24T09:08:00+01",
        "2026-11-24T09:08:00+01:0",
        "2026-11-24T09:08:00+24:00",
        "2026-11-24T09:08:00+01:60",
        "2026-11-24T09:08:00 +01:00",
        "2026-11-24T0a:08:00Z",
        "2026-11-24T09:08:0-Z",
        "2026/11/24T09:08:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t s = 42;
        if (actr_rfc3339_parse(bad[i], strlen(bad[i]), &s, NULL) != ACTR_EPARSE)
            fail_msg("accepted: \"%s\"", bad[i]);
        assert_int_equal(s, 42);
    }
    /* The length is honoured: a valid string cut short is malformed. */
    int64_t s;
    assert_int_equal(actr_rfc3339_parse("2026-11-24T09:08:00Z", 19, &s, NULL), ACTR_EPARSE);
    assert_int_equal(actr_rfc3339_parse("2024-02-29T00:00:00Z", 20, &s, NULL), 0);
    assert_int_equal(actr_rfc3339_parse(NULL, 0, &s, NULL), ACTR_EINVAL);
    assert_int_equal(actr_rfc3339_parse("2024-02-29T00:00:00Z", 20, NULL, NULL), ACTR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monotonic),
        cmocka_unit_test(test_wall),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_format_vectors),
        cmocka_unit_test(test_format_ms),
        cmocka_unit_test(test_format_matches_gmtime),
        cmocka_unit_test(test_parse_variants),
        cmocka_unit_test(test_parse_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
