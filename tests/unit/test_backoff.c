/* Exponential backoff: growth, ceiling, jitter bounds, exhaustion, reset, config checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "actr/error.h"
#include "base/backoff.h"

static double fixed_random(void *ctx)
{
    return *(const double *)ctx;
}

static void expect_sequence(actr_backoff_t *b, const uint64_t *expect, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t ms = 0;
        assert_int_equal(actr_backoff_next(b, &ms), 0);
        assert_int_equal(ms, expect[i]);
        assert_int_equal(actr_backoff_attempts(b), i + 1);
    }
}

static void test_defaults_without_jitter(void **state)
{
    (void)state;
    actr_backoff_t b;
    assert_int_equal(actr_backoff_init(&b, NULL), 0);
    double mid = 0.5; /* r = 0.5 cancels the jitter */
    actr_backoff_set_random(&b, fixed_random, &mid);
    static const uint64_t seq[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};
    expect_sequence(&b, seq, 9);
    assert_false(actr_backoff_exhausted(&b)); /* unlimited by default */
    for (int i = 0; i < 1000; i++) { /* stays at the ceiling, never overflows */
        uint64_t ms;
        assert_int_equal(actr_backoff_next(&b, &ms), 0);
        assert_int_equal(ms, 60000);
    }
}

static void test_jitter_extremes(void **state)
{
    (void)state;
    actr_backoff_t b;
    assert_int_equal(actr_backoff_init(&b, NULL), 0);
    double low = 0.0;
    actr_backoff_set_random(&b, fixed_random, &low);
    static const uint64_t seq_low[] = {700, 1400, 2800, 5600, 11200, 22400, 42000, 42000};
    expect_sequence(&b, seq_low, 8);

    actr_backoff_reset(&b);
    double high = 0.999999;
    actr_backoff_set_random(&b, fixed_random, &high);
    /* Just under +30 %, and the ceiling caps the jittered value too. */
    static const uint64_t seq_high[] = {1300, 2600, 5200, 10400, 20800, 41600, 60000, 60000};
    expect_sequence(&b, seq_high, 8);

    /* Out-of-range and NaN randoms are clamped rather than trusted. */
    actr_backoff_reset(&b);
    double wild = -5.0;
    actr_backoff_set_random(&b, fixed_random, &wild);
    uint64_t ms;
    assert_int_equal(actr_backoff_next(&b, &ms), 0);
    assert_int_equal(ms, 700);
    wild = 7.0;
    assert_int_equal(actr_backoff_next(&b, &ms), 0);
    assert_int_equal(ms, 2600);
    wild = NAN;
    assert_int_equal(actr_backoff_next(&b, &ms), 0);
    assert_int_equal(ms, 2800);
}

static void test_max_attempts_and_reset(void **state)
{
    (void)state;
    actr_backoff_config_t cfg = {100, 1000, 3.0, 0.0, 3};
    actr_backoff_t b;
    assert_int_equal(actr_backoff_init(&b, &cfg), 0);
    static const uint64_t seq[] = {100, 300, 900};
    expect_sequence(&b, seq, 3);
    assert_true(actr_backoff_exhausted(&b));
    uint64_t ms = 42;
    assert_int_equal(actr_backoff_next(&b, &ms), ACTR_EEXPIRED);
    assert_int_equal(ms, 42);
    assert_int_equal(actr_backoff_attempts(&b), 3);
    actr_backoff_reset(&b);
    assert_false(actr_backoff_exhausted(&b));
    assert_int_equal(actr_backoff_attempts(&b), 0);
    expect_sequence(&b, seq, 3); /* from the start again */
}

static void test_constant_and_huge(void **state)
{
    (void)state;
    actr_backoff_config_t constant = {250, 250, 1.0, 0.0, 0};
    actr_backoff_t b;
    assert_int_equal(actr_backoff_init(&b, &constant), 0);
    static const uint64_t seq[] = {250, 250, 250, 250};
    expect_sequence(&b, seq, 4);

    /* A ceiling at UINT64_MAX must not go through an out-of-range double conversion. */
    actr_backoff_config_t huge = {UINT64_MAX / 4, UINT64_MAX, 1000.0, 1.0, 0};
    assert_int_equal(actr_backoff_init(&b, &huge), 0);
    double high = 0.999;
    actr_backoff_set_random(&b, fixed_random, &high);
    uint64_t ms;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(actr_backoff_next(&b, &ms), 0);
        assert_true(ms >= UINT64_MAX / 4);
    }
    assert_int_equal(ms, UINT64_MAX);
}

static void test_default_random_spread(void **state)
{
    (void)state;
    actr_backoff_config_t cfg = {1000, 5000, 1.0, 0.3, 0};
    actr_backoff_t b;
    assert_int_equal(actr_backoff_init(&b, &cfg), 0);
    double sum = 0;
    int below = 0, above = 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t ms;
        assert_int_equal(actr_backoff_next(&b, &ms), 0);
        assert_true(ms >= 700 && ms <= 1300);
        sum += (double)ms;
        below += ms < 1000;
        above += ms > 1000;
        lo = ms < lo ? ms : lo;
        hi = ms > hi ? ms : hi;
    }
    double mean = sum / 20000;
    assert_true(mean > 990 && mean < 1010); /* sd of the mean is ~1.2 */
    assert_true(below > 9000 && above > 9000);
    assert_true(lo < 710 && hi > 1290); /* the whole range is reached */

    /* Two backoffs seeded independently do not produce the same jitter sequence. */
    actr_backoff_t c;
    assert_int_equal(actr_backoff_init(&b, &cfg), 0);
    assert_int_equal(actr_backoff_init(&c, &cfg), 0);
    int same = 0;
    for (int i = 0; i < 32; i++) {
        uint64_t x, y;
        actr_backoff_next(&b, &x);
        actr_backoff_next(&c, &y);
        same += x == y;
    }
    assert_true(same < 8);

    /* At the ceiling the jitter can only shorten a delay. */
    actr_backoff_config_t capped = {1000, 1000, 2.0, 0.3, 0};
    assert_int_equal(actr_backoff_init(&b, &capped), 0);
    int at_max = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t ms;
        assert_int_equal(actr_backoff_next(&b, &ms), 0);
        assert_true(ms >= 700 && ms <= 1000);
        at_max += ms == 1000;
    }
    assert_true(at_max > 400 && at_max < 600);
}

static void test_rejects_bad_config(void **state)
{
    (void)state;
    actr_backoff_t b;
    static const actr_backoff_config_t bad[] = {
        {0, 1000, 2.0, 0.3, 0},     /* zero initial */
        {1000, 999, 2.0, 0.3, 0},   /* ceiling below initial */
        {1000, 2000, 0.5, 0.3, 0},  /* shrinking */
        {1000, 2000, 2000.0, 0.3, 0},
        {1000, 2000, 2.0, -0.1, 0},
        {1000, 2000, 2.0, 1.5, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(actr_backoff_init(&b, &bad[i]), ACTR_EINVAL);
    actr_backoff_config_t nan_cfg = {1000, 2000, NAN, 0.3, 0};
    assert_int_equal(actr_backoff_init(&b, &nan_cfg), ACTR_EINVAL);
    nan_cfg.multiplier = 2.0;
    nan_cfg.jitter = NAN;
    assert_int_equal(actr_backoff_init(&b, &nan_cfg), ACTR_EINVAL);
    nan_cfg.multiplier = INFINITY;
    nan_cfg.jitter = 0.1;
    assert_int_equal(actr_backoff_init(&b, &nan_cfg), ACTR_EINVAL);
    assert_int_equal(actr_backoff_init(NULL, NULL), ACTR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_without_jitter),
        cmocka_unit_test(test_jitter_extremes),
        cmocka_unit_test(test_max_attempts_and_reset),
        cmocka_unit_test(test_constant_and_huge),
        cmocka_unit_test(test_default_random_spread),
        cmocka_unit_test(test_rejects_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
