/* Bounded MPSC queue: FIFO, full/empty, close, timed waits, and multi-producer stress. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "actr/error.h"
#include "base/clock.h"
#include "base/mpsc.h"

#define ITEM(x) ((void *)(uintptr_t)(x))

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void test_new_validates_capacity(void **state)
{
    (void)state;
    actr_mpsc_t *q = ITEM(1);
    static const size_t bad[] = {0, 1, 3, 6, 100, ACTR_MPSC_MAX_CAPACITY * 2, SIZE_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(actr_mpsc_new(bad[i], &q), ACTR_EINVAL);
        assert_null(q);
    }
    assert_int_equal(actr_mpsc_new(4, NULL), ACTR_EINVAL);
    assert_int_equal(actr_mpsc_new(2, &q), 0);
    assert_int_equal(actr_mpsc_capacity(q), 2);
    actr_mpsc_free(q);
    actr_mpsc_free(NULL);
}

static void test_fifo_full_empty(void **state)
{
    (void)state;
    actr_mpsc_t *q;
    assert_int_equal(actr_mpsc_new(8, &q), 0);
    void *out = ITEM(99);
    assert_int_equal(actr_mpsc_try_pop(q, &out), ACTR_EAGAIN);
    assert_ptr_equal(out, ITEM(99));
    /* Many laps around the ring, at every fill level. */
    uintptr_t next_in = 1, next_out = 1;
    for (int lap = 0; lap < 100; lap++) {
        size_t fill = (size_t)lap % 9;
        for (size_t i = 0; i < fill; i++)
            assert_int_equal(actr_mpsc_try_push(q, ITEM(next_in++)), 0);
        assert_int_equal(actr_mpsc_size(q), fill);
        for (size_t i = 0; i < fill; i++) {
            assert_int_equal(actr_mpsc_try_pop(q, &out), 0);
            assert_ptr_equal(out, ITEM(next_out++));
        }
        assert_int_equal(actr_mpsc_try_pop(q, &out), ACTR_EAGAIN);
    }
    for (int i = 0; i < 8; i++)
        assert_int_equal(actr_mpsc_try_push(q, ITEM(i)), 0);
    assert_int_equal(actr_mpsc_try_push(q, ITEM(8)), ACTR_EAGAIN); /* full: caller decides */
    assert_int_equal(actr_mpsc_size(q), 8);
    assert_int_equal(actr_mpsc_try_pop(q, &out), 0);
    assert_ptr_equal(out, ITEM(0));
    assert_int_equal(actr_mpsc_try_push(q, ITEM(8)), 0); /* one slot freed */
    for (int i = 1; i <= 8; i++) {
        assert_int_equal(actr_mpsc_try_pop(q, &out), 0);
        assert_ptr_equal(out, ITEM(i));
    }
    /* NULL is an ordinary item. */
    assert_int_equal(actr_mpsc_try_push(q, NULL), 0);
    out = ITEM(5);
    assert_int_equal(actr_mpsc_try_pop(q, &out), 0);
    assert_null(out);
    actr_mpsc_free(q);
}

static void test_close_drains_then_reports(void **state)
{
    (void)state;
    actr_mpsc_t *q;
    assert_int_equal(actr_mpsc_new(4, &q), 0);
    assert_int_equal(actr_mpsc_try_push(q, ITEM(1)), 0);
    assert_int_equal(actr_mpsc_try_push(q, ITEM(2)), 0);
    actr_mpsc_close(q);
    actr_mpsc_close(q); /* idempotent */
    assert_int_equal(actr_mpsc_try_push(q, ITEM(3)), ACTR_ECLOSED);
    assert_int_equal(actr_mpsc_size(q), 2);
    void *out;
    assert_int_equal(actr_mpsc_try_pop(q, &out), 0);
    assert_ptr_equal(out, ITEM(1));
    assert_int_equal(actr_mpsc_pop_wait(q, &out, -1), 0);
    assert_ptr_equal(out, ITEM(2));
    assert_int_equal(actr_mpsc_try_pop(q, &out), ACTR_ECLOSED);
    assert_int_equal(actr_mpsc_pop_wait(q, &out, -1), ACTR_ECLOSED); /* does not block */
    assert_int_equal(actr_mpsc_pop_wait(q, &out, 0), ACTR_ECLOSED);
    actr_mpsc_free(q);
}

static void test_pop_wait_timeout(void **state)
{
    (void)state;
    actr_mpsc_t *q;
    assert_int_equal(actr_mpsc_new(4, &q), 0);
    void *out;
    assert_int_equal(actr_mpsc_pop_wait(q, &out, 0), ACTR_ETIMEDOUT);
    uint64_t t0 = actr_clock_mono_ms();
    assert_int_equal(actr_mpsc_pop_wait(q, &out, 50), ACTR_ETIMEDOUT);
    uint64_t dt = actr_clock_mono_ms() - t0;
    assert_true(dt >= 50 && dt < 2000);
    /* An item already queued is returned at once, whatever the timeout. */
    assert_int_equal(actr_mpsc_try_push(q, ITEM(7)), 0);
    assert_int_equal(actr_mpsc_pop_wait(q, &out, 0), 0);
    assert_ptr_equal(out, ITEM(7));
    actr_mpsc_free(q);
}

struct delayed {
    actr_mpsc_t *q;
    long delay_ms;
    int close; /* close instead of pushing */
};

static void *delayed_action(void *arg)
{
    struct delayed *d = arg;
    sleep_ms(d->delay_ms);
    if (d->close)
        actr_mpsc_close(d->q);
    else
        actr_mpsc_try_push(d->q, ITEM(42));
    return NULL;
}

static void test_pop_wait_is_woken(void **state)
{
    (void)state;
    for (int close = 0; close <= 1; close++) {
        actr_mpsc_t *q;
        assert_int_equal(actr_mpsc_new(4, &q), 0);
        struct delayed d = {q, 50, close};
        pthread_t th;
        uint64_t t0 = actr_clock_mono_ms();
        assert_int_equal(pthread_create(&th, NULL, delayed_action, &d), 0);
        void *out = NULL;
        /* A long timeout: only a lost wakeup would make this wait reach it. */
        int rc = actr_mpsc_pop_wait(q, &out, 10000);
        uint64_t dt = actr_clock_mono_ms() - t0;
        assert_int_equal(pthread_join(th, NULL), 0);
        if (close) {
            assert_int_equal(rc, ACTR_ECLOSED);
        } else {
            assert_int_equal(rc, 0);
            assert_ptr_equal(out, ITEM(42));
        }
        assert_true(dt >= 40 && dt < 5000);
        actr_mpsc_free(q);
    }
}

/* ---- stress: every item exactly once, per-producer order preserved ---- */

#define PRODUCERS 4

struct producer {
    actr_mpsc_t *q;
    uint32_t id;
    uint32_t count;
    uint32_t pause_every; /* sleep briefly every n items so the consumer goes to sleep */
    uint32_t pushed;      /* out: items accepted (stops early on ECLOSED) */
    uint64_t full_hits;   /* out: times the queue was full */
    int bad_rc;           /* out: an unexpected return code (cmocka asserts only on main) */
};

static void *producer_main(void *arg)
{
    struct producer *p = arg;
    for (uint32_t seq = 0; seq < p->count; seq++) {
        /* Item encodes (producer, sequence); +1 keeps it distinct from NULL. */
        void *item = ITEM(((uintptr_t)p->id << 32 | seq) + 1);
        int rc;
        /* Full policy of this test: block the producer (yield and retry). */
        while ((rc = actr_mpsc_try_push(p->q, item)) == ACTR_EAGAIN) {
            p->full_hits++;
            sched_yield();
        }
        if (rc == ACTR_ECLOSED)
            return NULL;
        if (rc != 0) {
            p->bad_rc = rc;
            return NULL;
        }
        p->pushed++;
        if (p->pause_every && seq % p->pause_every == 0)
            sleep_ms(1);
    }
    return NULL;
}

/* Consumes until every producer's items arrived (or the queue closed), checking order. */
static uint64_t consume(actr_mpsc_t *q, uint64_t expect_total, int use_wait)
{
    uint32_t next[PRODUCERS] = {0};
    uint64_t got = 0;
    while (got < expect_total) {
        void *item;
        int rc = use_wait ? actr_mpsc_pop_wait(q, &item, 10000) : actr_mpsc_try_pop(q, &item);
        if (rc == ACTR_EAGAIN) {
            sched_yield();
            continue;
        }
        if (rc == ACTR_ECLOSED)
            break;
        assert_int_equal(rc, 0);
        uintptr_t v = (uintptr_t)item - 1;
        uint32_t id = (uint32_t)(v >> 32);
        uint32_t seq = (uint32_t)v;
        assert_true(id < PRODUCERS);
        assert_int_equal(seq, next[id]); /* in order, no gap, no duplicate */
        next[id]++;
        got++;
    }
    return got;
}

static void run_stress(size_t capacity, uint32_t per_producer, uint32_t pause_every,
                       int use_wait)
{
    actr_mpsc_t *q;
    assert_int_equal(actr_mpsc_new(capacity, &q), 0);
    struct producer p[PRODUCERS];
    pthread_t th[PRODUCERS];
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        p[i] = (struct producer){q, i, per_producer, pause_every, 0, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, producer_main, &p[i]), 0);
    }
    uint64_t got = consume(q, (uint64_t)per_producer * PRODUCERS, use_wait);
    for (int i = 0; i < PRODUCERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(p[i].bad_rc, 0);
    }
    assert_int_equal(got, (uint64_t)per_producer * PRODUCERS);
    void *item;
    assert_int_equal(actr_mpsc_try_pop(q, &item), ACTR_EAGAIN); /* nothing extra */
    actr_mpsc_free(q);
}

static void test_stress_spinning_consumer(void **state)
{
    (void)state;
    run_stress(64, 100000, 0, 0);
    run_stress(2, 20000, 0, 0); /* smallest ring: constantly full */
}

static void test_stress_sleeping_consumer(void **state)
{
    (void)state;
    run_stress(1024, 100000, 0, 1);
    run_stress(16, 2000, 100, 1); /* producers pause, so the consumer sleeps and is woken */
}

/* Closing while producers push: exactly the accepted items come out, then ECLOSED. */
static void test_close_under_load(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        actr_mpsc_t *q;
        assert_int_equal(actr_mpsc_new(32, &q), 0);
        struct producer p[PRODUCERS];
        pthread_t th[PRODUCERS];
        for (uint32_t i = 0; i < PRODUCERS; i++) {
            p[i] = (struct producer){q, i, 1000000, 0, 0, 0, 0};
            assert_int_equal(pthread_create(&th[i], NULL, producer_main, &p[i]), 0);
        }
        struct delayed closer = {q, 2 + round % 5, 1};
        pthread_t cth;
        assert_int_equal(pthread_create(&cth, NULL, delayed_action, &closer), 0);
        uint64_t got = consume(q, UINT64_MAX, 1);
        uint64_t pushed = 0;
        for (int i = 0; i < PRODUCERS; i++) {
            assert_int_equal(pthread_join(th[i], NULL), 0);
            assert_int_equal(p[i].bad_rc, 0);
            pushed += p[i].pushed;
        }
        assert_int_equal(pthread_join(cth, NULL), 0);
        assert_int_equal(got, pushed);
        actr_mpsc_free(q);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_validates_capacity),
        cmocka_unit_test(test_fifo_full_empty),
        cmocka_unit_test(test_close_drains_then_reports),
        cmocka_unit_test(test_pop_wait_timeout),
        cmocka_unit_test(test_pop_wait_is_woken),
        cmocka_unit_test(test_stress_spinning_consumer),
        cmocka_unit_test(test_stress_sleeping_consumer),
        cmocka_unit_test(test_close_under_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
