/* Token buckets and the per-address table: bursts, refill, Retry-After, memory bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "actr/error.h"
#include "net/ratelimit.h"

static void test_burst_then_refill(void **state)
{
    (void)state;
    actrd_rate_t rate = {2.0, 100}; /* actrix's AIS limit */
    actrd_bucket_t b;
    actrd_bucket_init(&b, &rate, 1000);
    for (int i = 0; i < 100; i++)
        assert_int_equal(actrd_bucket_take(&b, &rate, 1000, NULL), 0);
    uint64_t retry = 0;
    assert_int_equal(actrd_bucket_take(&b, &rate, 1000, &retry), ACTR_EAGAIN);
    assert_int_equal(retry, 500); /* one token every 500 ms */
    assert_int_equal(actrd_bucket_take(&b, &rate, 1300, &retry), ACTR_EAGAIN);
    assert_int_equal(retry, 200);
    assert_int_equal(actrd_bucket_take(&b, &rate, 1500, NULL), 0);
    assert_int_equal(actrd_bucket_take(&b, &rate, 1500, NULL), ACTR_EAGAIN);
    /* A long pause refills to the burst, no further. */
    assert_false(actrd_bucket_full(&b, &rate, 40000));
    assert_true(actrd_bucket_full(&b, &rate, 51500));
    int allowed = 0;
    for (int i = 0; i < 200; i++)
        allowed += actrd_bucket_take(&b, &rate, 1000000, NULL) == 0;
    assert_int_equal(allowed, 100);
}

static void test_clock_going_back_refills_nothing(void **state)
{
    (void)state;
    actrd_rate_t rate = {1.0, 1};
    actrd_bucket_t b;
    actrd_bucket_init(&b, &rate, 5000);
    assert_int_equal(actrd_bucket_take(&b, &rate, 5000, NULL), 0);
    assert_int_equal(actrd_bucket_take(&b, &rate, 1000, NULL), ACTR_EAGAIN);
    assert_int_equal(actrd_bucket_take(&b, &rate, 5999, NULL), ACTR_EAGAIN);
    assert_int_equal(actrd_bucket_take(&b, &rate, 6000, NULL), 0);
}

static void test_zero_rate_is_unlimited(void **state)
{
    (void)state;
    actrd_rate_t rate = {0.0, 1};
    actrd_bucket_t b;
    actrd_bucket_init(&b, &rate, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(actrd_bucket_take(&b, &rate, 0, NULL), 0);
    actrd_iplimit_t *lim;
    assert_int_equal(actrd_iplimit_new(0.0, 1, 1, &lim), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(actrd_iplimit_take(lim, "10.0.0.1", 0, NULL), 0);
    assert_int_equal(actrd_iplimit_count(lim), 0); /* nothing tracked */
    actrd_iplimit_free(lim);
}

static void test_retry_after_seconds(void **state)
{
    (void)state;
    assert_int_equal(actrd_retry_after_secs(0), 1);
    assert_int_equal(actrd_retry_after_secs(1), 1);
    assert_int_equal(actrd_retry_after_secs(1000), 1);
    assert_int_equal(actrd_retry_after_secs(1001), 2);
    assert_int_equal(actrd_retry_after_secs(UINT64_MAX), UINT32_MAX);
}

static void test_addresses_are_independent(void **state)
{
    (void)state;
    actrd_iplimit_t *lim;
    assert_int_equal(actrd_iplimit_new(1.0, 3, 100, &lim), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(actrd_iplimit_take(lim, "127.0.0.1", 0, NULL), 0);
    uint64_t retry = 0;
    assert_int_equal(actrd_iplimit_take(lim, "127.0.0.1", 0, &retry), ACTR_EAGAIN);
    assert_int_equal(retry, 1000);
    assert_int_equal(actrd_iplimit_take(lim, "::1", 0, NULL), 0);
    assert_int_equal(actrd_iplimit_count(lim), 2);
    /* At 2 s "::1" is full again and forgotten; 127.0.0.1 (2 of 3 tokens) is kept. */
    assert_int_equal(actrd_iplimit_sweep(lim, 2000), 1);
    assert_int_equal(actrd_iplimit_count(lim), 1);
    assert_int_equal(actrd_iplimit_take(lim, "127.0.0.1", 2000, NULL), 0);
    assert_int_equal(actrd_iplimit_take(lim, "127.0.0.1", 2000, NULL), 0);
    assert_int_equal(actrd_iplimit_take(lim, "127.0.0.1", 2000, NULL), ACTR_EAGAIN);
    actrd_iplimit_free(lim);
}

static void test_table_is_bounded(void **state)
{
    (void)state;
    actrd_iplimit_t *lim;
    assert_int_equal(actrd_iplimit_new(1.0, 2, 16, &lim), 0);
    char key[32];
    for (int i = 0; i < 16; i++) {
        snprintf(key, sizeof key, "10.0.0.%d", i);
        assert_int_equal(actrd_iplimit_take(lim, key, 0, NULL), 0);
    }
    /* Full of active buckets: a new address is refused rather than growing the table. */
    uint64_t retry = 0;
    assert_int_equal(actrd_iplimit_take(lim, "10.0.1.1", 100, &retry), ACTR_EAGAIN);
    assert_true(retry >= 1);
    assert_int_equal(actrd_iplimit_count(lim), 16);
    /* Known addresses still work. */
    assert_int_equal(actrd_iplimit_take(lim, "10.0.0.3", 100, NULL), 0);
    /* Once buckets refill, a new address makes room by sweeping. */
    assert_int_equal(actrd_iplimit_take(lim, "10.0.1.1", 5000, NULL), 0);
    assert_int_equal(actrd_iplimit_count(lim), 1);
    actrd_iplimit_free(lim);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    actrd_iplimit_t *lim = NULL;
    assert_int_equal(actrd_iplimit_new(-1.0, 1, 1, &lim), ACTR_EINVAL);
    assert_int_equal(actrd_iplimit_new(1.0, 0, 1, &lim), ACTR_EINVAL);
    assert_int_equal(actrd_iplimit_new(1.0, 1, 0, &lim), ACTR_EINVAL);
    assert_null(lim);
    actrd_iplimit_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refill),
        cmocka_unit_test(test_clock_going_back_refills_nothing),
        cmocka_unit_test(test_zero_rate_is_unlimited),
        cmocka_unit_test(test_retry_after_seconds),
        cmocka_unit_test(test_addresses_are_independent),
        cmocka_unit_test(test_table_is_bounded),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
